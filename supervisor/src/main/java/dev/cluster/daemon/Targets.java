package dev.cluster.daemon;

import dev.cluster.worker.App;
import dev.cluster.worker.Slot;

import java.util.List;
import java.util.Map;

/**
 * What a command's target names: {@code all}, an app, {@code app:id}, or a bare worker id (when
 * only one app has a worker with that id).
 */
final class Targets {
    private Targets() {
    }

    static final class NoMatch extends RuntimeException {
        NoMatch(String message) {
            super(message, null, false, false);
        }
    }

    static List<Slot> resolve(String target, Map<String, App> apps) {
        if (target == null || target.isBlank()) {
            throw new NoMatch("name an app, app:id, a worker id, or 'all'");
        }
        if (target.equals("all")) {
            return apps.values().stream().flatMap(a -> a.slots().stream()).toList();
        }
        App app = apps.get(target);
        if (app != null) {
            return List.copyOf(app.slots());
        }
        int colon = target.lastIndexOf(':');
        if (colon > 0) {
            App owner = apps.get(target.substring(0, colon));
            Integer id = parseId(target.substring(colon + 1));
            if (owner != null && id != null && id < owner.slots().size()) {
                return List.of(owner.slots().get(id));
            }
            throw noMatch(target);
        }
        Integer id = parseId(target);
        if (id != null) {
            List<Slot> withId = apps.values().stream().filter(a -> id < a.slots().size()).map(a -> a.slots().get(id)).toList();
            if (withId.size() > 1) {
                throw new NoMatch("worker id " + id + " exists in several apps: name one as "
                        + String.join(" or ", withId.stream().map(Slot::name).toList()));
            }
            if (withId.size() == 1) {
                return withId;
            }
        }
        throw noMatch(target);
    }

    /** Whole apps only: {@code all} or an app name. */
    static List<App> apps(String target, Map<String, App> apps) {
        if ("all".equals(target)) {
            return List.copyOf(apps.values());
        }
        App app = target == null ? null : apps.get(target);
        if (app == null) {
            throw new NoMatch("no app named '" + target + "': name a whole app or 'all' (see 'cluster list')");
        }
        return List.of(app);
    }

    private static NoMatch noMatch(String target) {
        return new NoMatch("no app or worker '" + target + "': see 'cluster list' for names and ids");
    }

    private static Integer parseId(String s) {
        if (s.isEmpty() || s.length() > 6 || !s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Integer.parseInt(s);
    }
}
