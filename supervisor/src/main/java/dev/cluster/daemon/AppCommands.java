package dev.cluster.daemon;

import dev.cluster.config.AppSpecValidator;
import dev.cluster.config.ShellPath;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.reload.ListeningSockets;
import dev.cluster.reload.Rollout;
import dev.cluster.view.Views;
import dev.cluster.worker.App;
import dev.cluster.worker.ExitOutput;
import dev.cluster.worker.LaunchFailure;
import dev.cluster.worker.Loop;
import dev.cluster.worker.OsProcesses;
import dev.cluster.worker.PortListeners;
import dev.cluster.worker.Signals;
import dev.cluster.worker.Slot;
import dev.cluster.worker.StartCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The control commands that change apps: start, stop, restart, delete, reload, scale and signal. Each
 * reads: resolve the target, check it, delegate (to the slots, or to {@link Rollout} for reload, scale
 * and restart), answer when the workers got where they were sent. A command that throws before it
 * delegates has changed nothing; {@link Supervisor#handle} answers the throw. Runs on the loop.
 */
final class AppCommands {
    private static final Logger log = LoggerFactory.getLogger(AppCommands.class);

    /** The supervisor's app table, the same map: these commands add to it and remove from it. */
    private final Map<String, App> apps;
    private final Loop loop;
    private final OsProcesses processes;
    private final Views views;
    private final Rollout rollout;
    private final SavedApps saved;
    private final Slot.Listener slotChanged;

    AppCommands(Map<String, App> apps, Loop loop, OsProcesses processes, Views views, Rollout rollout, SavedApps saved, Slot.Listener slotChanged) {
        this.apps = apps;
        this.loop = loop;
        this.processes = processes;
        this.views = views;
        this.rollout = rollout;
        this.saved = saved;
        this.slotChanged = slotChanged;
    }

    /** Registers the app and answers once every worker is online, or with the first failure. */
    void start(AppSpec spec, Consumer<Response> reply) {
        if (spec == null) {
            throw new IllegalArgumentException("start needs an app spec");
        }
        Optional<AppSpecValidator.Problem> problem = AppSpecValidator.problem(spec, apps.values().stream().map(App::spec).toList());
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get().message());
        }
        if (!spec.servesNoPort()) {
            PortListeners.requireNoneOn(spec.port(), spec.name());
        }
        App app = new App(spec, new ListeningSockets(spec.name(), spec.port(), loop), loop, processes, slotChanged);
        apps.put(spec.name(), app);
        String unsaved = saveApps();
        log.info("app {} added: {} worker(s) on port {} ({} bind): {}", spec.name(), spec.instances(), spec.port(),
                spec.bind(), ShellPath.line(processes.commandLine(spec)));
        // It owns the app until its workers are up: a reload meanwhile restarted a starting worker, and the start failed.
        app.begin(App.Operation.START);
        CompletableFuture<Void> started;
        try {
            started = rollout.start(app.slots(), "start");
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e); // the mark is cleared below on every path
        }
        started.whenCompleteAsync((done, failure) -> {
            app.end(App.Operation.START);
            // A port held alone may show once every worker is online (a second port bound after the first answered): not started.
            reply.accept(app.portNotShared() != null ? Response.error(app.portNotShared())
                    : failure == null ? saved.answer(views.list(apps.values(), "started " + spec.name()).withNote(app.readinessNotShown()), unsaved)
                    : failed("", failure));
        }, loop);
    }

    void stop(String target, Consumer<Response> reply) {
        List<Slot> slots = Targets.resolve(target, apps);
        App.yieldTo("stop", slots.stream().map(Slot::app).distinct().toList());
        answer(slots.stream().map(s -> s.stop("stop requested")).toList(), "stopped " + slots.size() + " worker(s)", reply);
    }

    /**
     * Stops and starts the target's workers, side by side; {@code onlyDown}: only those stopped or errored. It owns their apps
     * meanwhile: a scale down between a slot's stop and its start would leave a process no app knows ({@link App#yieldTo}).
     */
    void restart(String target, boolean onlyDown, Consumer<Response> reply) {
        List<Slot> slots = idle(Targets.resolve(target, apps)).stream().filter(s -> !onlyDown || s.state().waitsForAStart()).toList();
        List<App> taken = slots.stream().map(Slot::app).distinct().toList();
        requireStartable(taken.stream().map(App::spec).toList(), onlyDown ? "started" : "stopped");
        taken.forEach(app -> app.begin(App.Operation.RESTART));
        taken.forEach(app -> startCache().tryAgain(app.name()));
        CompletableFuture<Void> restarted = CompletableFuture.allOf(rollout.restart(slots, onlyDown ? "start requested" : "restart requested")
                .toArray(CompletableFuture[]::new)).whenCompleteAsync((done, failure) -> taken.forEach(app -> app.end(App.Operation.RESTART)), loop);
        answer(List.of(restarted), (onlyDown ? "started " : "restarted ") + slots.size() + " worker(s)", reply);
    }

    void delete(String target, Consumer<Response> reply) {
        List<App> doomed = Targets.apps(target, apps);
        App.yieldTo("delete", doomed);
        doomed.forEach(App::deleting);
        CompletableFuture<Void> stopped = Rollout.allOf(doomed.stream().flatMap(a -> a.slots().stream()).map(s -> s.stop("app deleted")).toList());
        // Then their sockets closed too (a reload's old process may still drain, holding one): an app started next on the port
        // must not find one in its group, or it could not steer its connections. And their standbys gone (told to stop as the
        // last slot stopped), as kill waits for them: after "deleted" no process of the app is left.
        CompletableFuture<Void> released = stopped.thenComposeAsync(done -> CompletableFuture.allOf(doomed.stream()
                .flatMap(app -> Stream.of(app.sockets().released(), app.standbys().stopped())).toArray(CompletableFuture[]::new)), loop);
        released.whenCompleteAsync((done, failure) -> {
            doomed.forEach(app -> {
                apps.remove(app.name());
                startCache().forget(app.name());
            });
            String unsaved = saveApps();
            log.info("deleted {}", doomed.stream().map(App::name).toList());
            reply.accept(failure == null ? saved.answer(views.list(apps.values(), "deleted " + doomed.stream().map(App::name).toList()), unsaved)
                    : failed("", failure));
        }, loop);
    }

    /** Replaces every worker of the target apps, {@code parallel} at a time (see {@link Rollout#reload}). */
    void reload(Request.Reload request, Consumer<Response> reply) {
        List<App> targets = Targets.apps(request.target(), apps);
        int parallel = request.parallel() == null ? 1 : request.parallel();
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be at least 1 (got " + parallel + ")");
        }
        List<AppSpec> updated = targets.stream().map(app -> AppSpecValidator.reloaded(app.spec(), request.env(), request.jvmArgs(), request.java())).toList();
        targets.forEach(App::requireIdle);
        requireStartable(updated, "reloaded");
        targets.forEach(app -> startCache().tryAgain(app.name()));
        // Everything is checked: from here every path, a throw included, clears the mark.
        targets.forEach(app -> app.begin(App.Operation.RELOAD));
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        String unsaved = null;
        try {
            for (int i = 0; i < targets.size(); i++) {
                targets.get(i).spec(updated.get(i));
            }
            if (request.env() != null || request.jvmArgs() != null || request.java() != null) {
                unsaved = saveApps();
            }
            for (App app : targets) {
                chain = chain.thenComposeAsync(done -> rollout.reload(app, parallel, step -> reply.accept(Response.progress(step))), loop);
            }
        } catch (RuntimeException e) {
            chain = CompletableFuture.failedFuture(e);
        }
        String notSaved = unsaved;
        chain.whenCompleteAsync((done, failure) -> {
            targets.forEach(app -> app.end(App.Operation.RELOAD));
            reply.accept(failure == null ? saved.answer(views.list(apps.values(), "reloaded " + targets.stream().map(App::name).toList()), notSaved)
                    : failed("reload stopped: ", failure));
        }, loop);
    }

    /** Sets the number of workers: new ones get new ids and count once online; scaling down drains the highest ids. */
    void scale(String target, String count, Consumer<Response> reply) {
        App app = target == null ? null : apps.get(target);
        if (app == null) {
            throw new Targets.NoMatch("no app named '" + target + "': scale takes one app name (see 'cluster list')");
        }
        int current = app.slots().size();
        int wanted = AppSpecValidator.scaled(count, current, app.name());
        if (wanted > current) {
            requireStartable(List.of(app.spec()), "scaled");
        }
        app.begin(App.Operation.SCALE);
        CompletableFuture<Void> scaled;
        String unsaved = null;
        try {
            app.spec(app.spec().withInstances(wanted));
            unsaved = saveApps();
            scaled = rollout.scale(app, wanted);
        } catch (RuntimeException e) {
            scaled = CompletableFuture.failedFuture(e);
        }
        String notSaved = unsaved;
        scaled.whenCompleteAsync((done, failure) -> {
            app.end(App.Operation.SCALE);
            reply.accept(failure == null ? saved.answer(views.list(apps.values(), "scaled " + app.name() + " from " + current + " to " + wanted
                    + " worker(s)" + app.sharesKeptAfterScale()), notSaved) : failed("", failure));
        }, loop);
    }


    /**
     * {@code cluster signal SIG TARGET}: the signal to each targeted worker that has a process. What
     * the worker does with it is its own business; if it exits, that is a crash like any other.
     */
    void signal(String requested, String target, Consumer<Response> reply) {
        String name = Signals.canonical(requested);
        if (name == null) {
            throw new IllegalArgumentException("unknown signal '" + requested + "': use one of " + String.join(", ", Signals.NAMES));
        }
        List<Slot> slots = Targets.resolve(target, apps);
        List<Slot> running = slots.stream().filter(s -> s.pid() != null).toList();
        List<String> skipped = slots.stream().filter(s -> s.pid() == null).map(Slot::name).toList();
        if (running.isEmpty()) {
            throw new IllegalArgumentException("no running worker in '" + target + "' to signal");
        }
        List<String> sent = running.stream().map(s -> s.name() + " (pid " + s.serving().appPid() + ")").toList();
        Rollout.allOf(running.stream().map(s -> s.serving().signal(name)).toList()).whenCompleteAsync((ok, failure) -> {
            if (failure != null) {
                reply.accept(failed("", failure));
                return;
            }
            log.info("sent SIG{} to {}", name, sent);
            reply.accept(Response.ok("sent SIG" + name + " to " + String.join(", ", sent)
                    + (skipped.isEmpty() ? "" : "; skipped (no process): " + String.join(", ", skipped))));
        }, loop);
    }

    private StartCache startCache() {
        return processes.startCache();
    }

    /**
     * After every change of the app list: a supervisor that dies loses nothing {@code resurrect}
     * needs. Returns why it could not be saved, or null.
     */
    private String saveApps() {
        return saved.saveQuietly(apps.values().stream().map(App::spec).toList());
    }

    /** Refuses, before anything changes, to stop or replace workers for new ones that would exit at once (the jar deleted by a deploy gone wrong). */
    private static void requireStartable(List<AppSpec> specs, String notDone) {
        for (AppSpec spec : specs) {
            AppSpecValidator.cannotStart(spec).ifPresent(problem -> {
                throw new IllegalArgumentException("app '" + spec.name() + "' cannot start a worker now: " + problem.message() + "; nothing was " + notDone);
            });
        }
    }

    /** A reload, scale or restart owns its app until it ends: other commands on it are refused meanwhile (but see {@link App#yieldTo}). */
    private static List<Slot> idle(List<Slot> slots) {
        slots.stream().map(Slot::app).distinct().forEach(App::requireIdle);
        return slots;
    }

    private void answer(List<CompletableFuture<Void>> done, String message, Consumer<Response> reply) {
        Rollout.allOf(done).whenCompleteAsync((ok, failure) -> reply.accept(failure == null ? views.list(apps.values(), message) : failed("", failure)), loop);
    }

    /** The error answer for a failed future: its cause's message, and the worker's last lines if it has them. */
    private static Response failed(String prefix, Throwable failure) {
        Throwable cause = Rollout.cause(failure);
        ExitOutput output = cause instanceof LaunchFailure lf ? lf.output() : ExitOutput.NONE;
        return Response.error(prefix + cause.getMessage(), output.lines());
    }
}
