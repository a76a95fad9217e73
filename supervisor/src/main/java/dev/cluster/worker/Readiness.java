package dev.cluster.worker;

import dev.cluster.config.Durations;
import dev.cluster.protocol.AppSpec;

import java.util.ArrayDeque;

/**
 * How long a starting worker of an app may take to show it is ready (say so, or listen on the
 * port). {@code --listen-timeout D} fixes it. By default it is learnt: a fixed 15 s is too short for a
 * Spring Boot app on a loaded machine (a reload's replacement abandoned while still starting) and
 * far too long to notice a hung start of a one-second app. So the wait is {@value #MULTIPLE} times
 * the slowest of the app's last {@value #KEPT} starts that showed readiness, at least
 * {@value #FLOOR_MS} ms (a loaded machine starts a JVM several times slower than an idle one), at
 * most {@value #CEILING_MS} ms; {@value #FIRST_MS} ms until the app has started once.
 */
public final class Readiness {
    static final long FIRST_MS = 15_000;
    static final long FLOOR_MS = 10_000;
    static final long CEILING_MS = 600_000;
    static final int MULTIPLE = 5;
    static final int KEPT = 5;

    private final ArrayDeque<Long> recentStartsMs = new ArrayDeque<>();

    /** A worker of the app showed it was ready {@code ms} after its start. */
    void started(long ms) {
        recentStartsMs.addLast(ms);
        while (recentStartsMs.size() > KEPT) {
            recentStartsMs.removeFirst();
        }
    }

    /** How long a starting worker may take now. */
    public long waitMs(AppSpec spec) {
        if (spec.listenTimeoutMs() != null) {
            return spec.listenTimeoutMs();
        }
        if (recentStartsMs.isEmpty()) {
            return FIRST_MS;
        }
        return Math.min(CEILING_MS, Math.max(FLOOR_MS, MULTIPLE * slowestMs()));
    }

    /** The wait in words, for the message when a worker was not ready in time. */
    public String describe(AppSpec spec) {
        if (spec.listenTimeoutMs() != null) {
            return "the listen timeout of " + spec.listenTimeoutMs() + " ms";
        }
        String learnt = recentStartsMs.isEmpty() ? "the first start's allowance"
                : MULTIPLE + " x its slowest recent start of " + Durations.format(slowestMs()) + ", at least " + Durations.format(FLOOR_MS);
        return Durations.format(waitMs(spec)) + " (auto: " + learnt + "; --listen-timeout sets it)";
    }

    private long slowestMs() {
        return recentStartsMs.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
