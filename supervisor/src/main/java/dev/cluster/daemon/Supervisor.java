package dev.cluster.daemon;

import dev.cluster.config.AppSpecValidator;
import dev.cluster.config.ShellPath;
import dev.cluster.home.Home;
import dev.cluster.logs.LogFiles;
import dev.cluster.logs.LogWriter;
import dev.cluster.metrics.MetricsEndpoint;
import dev.cluster.metrics.ProcessSampler;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerMessage;
import dev.cluster.reload.ListeningSockets;
import dev.cluster.reload.Rollout;
import dev.cluster.reload.SharingProbe;
import dev.cluster.view.Views;
import dev.cluster.view.WorkerTable;
import dev.cluster.worker.AgentJar;
import dev.cluster.worker.App;
import dev.cluster.worker.Attempt;
import dev.cluster.worker.ExitOutput;
import dev.cluster.worker.LaunchFailure;
import dev.cluster.worker.Loop;
import dev.cluster.worker.OsProcesses;
import dev.cluster.worker.PortListeners;
import dev.cluster.worker.ProcessGroups;
import dev.cluster.worker.Signals;
import dev.cluster.worker.Slot;
import dev.cluster.worker.SlotState;
import dev.cluster.worker.Standby;
import dev.cluster.worker.StartCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Owns the app table and answers the control commands. Every method runs on the loop, one event at
 * a time, so nothing needs a lock. Each command handler reads: resolve the target, delegate (to the
 * slots, or to {@link Rollout} for reload and scale), answer when the workers got where they were sent.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    public static final String VERSION = "0.1.0";

    private enum Phase { RUNNING, SHUTTING_DOWN }

    private final Home home;
    private final Loop loop;
    private final ScheduledExecutorService executor;
    /** Reads the workers' output pipes and writes their log files, on a thread of its own. */
    private final LogWriter output;
    private final OsProcesses processes;
    private final Views views;
    private final Rollout rollout;
    private final Housekeeping housekeeping;
    private final SavedApps saved;
    private final Runnable exitDaemon;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Map<String, App> apps = new LinkedHashMap<>();
    /** The open {@code watch} streams ({@code cluster monit}): each gets a frame a second. */
    private final List<Consumer<Response>> watchers = new ArrayList<>();
    private final MetricsEndpoint metricsEndpoint;
    private final DeathWatches deathWatches;
    private Phase phase = Phase.RUNNING;
    /** What {@code cluster run} does once every worker is errored; nothing for the background daemon. */
    private Consumer<String> everyAppErrored = apps -> { };

    /** @param exitDaemon called on the loop once every worker has stopped after {@code kill} or a signal */
    public Supervisor(Home home, ScheduledExecutorService executor, Runnable exitDaemon) {
        this.home = home;
        this.executor = executor;
        this.loop = Loop.of(executor);
        LogFiles logs = new LogFiles(home.logs());
        this.output = new LogWriter(logs);
        AgentJar agent = AgentJar.install(home.lib());
        agent.loadNativeSockets();
        this.processes = new OsProcesses(output, home.workerSocket(), agent, home.cache(), loop);
        this.views = new Views(logs);
        this.rollout = new Rollout(loop);
        this.housekeeping = new Housekeeping(this, new ProcessSampler(output.thread()), rollout, loop);
        this.exitDaemon = exitDaemon;
        this.saved = new SavedApps(home.dir());
        saved.holdIfAnySaved();
        if (saved.held() != null) {
            log.info("apps are saved that this supervisor has not started: changes are not saved over them until 'cluster resurrect' "
                    + "has started them all, or 'cluster save'");
        }
        this.metricsEndpoint = new MetricsEndpoint(executor, this::prometheusText);
        this.deathWatches = new DeathWatches(loop, pid -> attemptWithPid(pid).ifPresent(Attempt::dying));
    }

    /**
     * Handles one control request. {@code reply} is called on the loop: zero or more progress
     * responses, then exactly one final response. A request that fails in any way is answered with
     * an error and leaves no app marked busy.
     */
    public void handle(Request request, Consumer<Response> reply) {
        if (phase == Phase.SHUTTING_DOWN && !(request instanceof Request.Ping)) {
            reply.accept(Response.error("the supervisor is shutting down; run the command again in a moment"));
            return;
        }
        try {
            if (request instanceof Request.Ping) {
                reply.accept(Response.daemon(daemonInfo()));
            } else if (request instanceof Request.Start r) {
                start(r.app(), reply);
            } else if (request instanceof Request.ListWorkers r) {
                Response list = views.list(apps.values(), null);
                boolean json = "json".equals(r.output());
                reply.accept(r.output() == null ? list : Response.ok(WorkerTable.list(list, json, Boolean.TRUE.equals(r.colour()), r.columns() == null ? 0 : r.columns())
                        + (saved.held() == null || json ? "" : "note: " + saved.held() + "\n")));
            } else if (request instanceof Request.Describe r) {
                reply.accept(Response.apps(views.describe(apps.values(), Targets.resolve(r.target(), apps), Boolean.TRUE.equals(r.showEnv()),
                        processes::commandLine)));
            } else if (request instanceof Request.Stop r) {
                stop(r.target(), reply);
            } else if (request instanceof Request.Restart r) {
                restart(r.target(), Boolean.TRUE.equals(r.down()), reply);
            } else if (request instanceof Request.Delete r) {
                delete(r.target(), reply);
            } else if (request instanceof Request.Reload r) {
                reload(r, reply);
            } else if (request instanceof Request.Scale r) {
                scale(r.app(), r.count(), reply);
            } else if (request instanceof Request.Signal r) {
                signal(r.signal(), r.target(), reply);
            } else if (request instanceof Request.Metrics r) {
                reply.accept(metricsEndpoint.request(r.port()));
            } else if (request instanceof Request.Save) {
                reply.accept(saved.saveNow(apps.values().stream().map(App::spec).toList()));
            } else if (request instanceof Request.Resurrect) {
                saved.resurrect(() -> apps.values().stream().map(App::spec).toList(), (spec, answer) -> handle(new Request.Start(spec), answer),
                        message -> views.list(apps.values(), message), loop, reply);
            } else if (request instanceof Request.Kill) {
                kill(reply);
            } else {
                reply.accept(Response.error("a " + request.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
                        + " request takes a connection of its own"));
            }
        } catch (Targets.NoMatch | App.Busy | IllegalArgumentException e) {
            reply.accept(Response.error(e.getMessage()));
        } catch (RuntimeException e) {
            // A request the checks above let through and the code then tripped on: a bug, answered, not fatal.
            log.error("{} request failed", request.getClass().getSimpleName(), e);
            reply.accept(Response.error("the supervisor could not carry out this request (" + e + "); see " + home.daemonLog()));
        }
    }

    /** Registers the app and answers once every worker is online, or with the first failure. */
    private void start(AppSpec spec, Consumer<Response> reply) {
        if (spec == null) {
            throw new IllegalArgumentException("start needs an app spec");
        }
        Optional<AppSpecValidator.Problem> problem = AppSpecValidator.problem(spec, apps.values().stream().map(App::spec).toList());
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get().message());
        }
        PortListeners.requireNoneOn(spec.port(), spec.name());
        App app = new App(spec, new ListeningSockets(spec.name(), spec.port(), loop), loop, processes, this::slotChanged);
        apps.put(spec.name(), app);
        String unsaved = saveApps();
        log.info("app {} added: {} worker(s) on port {} ({} bind): {}", spec.name(), spec.instances(), spec.port(),
                spec.bind(), ShellPath.line(processes.commandLine(spec)));
        // It owns the app until its workers are up: a reload meanwhile restarted a starting worker, and the start failed.
        app.begin(App.Operation.START);
        CompletableFuture<Void> started;
        try {
            started = Rollout.allOf(app.slots().stream().map(slot -> slot.start("start")).toList());
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e); // the mark is cleared below on every path
        }
        started.whenCompleteAsync((done, failure) -> {
            app.end(App.Operation.START);
            reply.accept(failure == null ? saved.answer(views.list(apps.values(), "started " + spec.name()).withNote(app.readinessNotShown()), unsaved)
                    : app.portNotShared() != null ? Response.error(app.portNotShared()) : failed("", failure));
        }, loop);
    }

    private void stop(String target, Consumer<Response> reply) {
        List<Slot> slots = Targets.resolve(target, apps);
        App.yieldTo("stop", slots.stream().map(Slot::app).distinct().toList());
        answer(slots.stream().map(s -> s.stop("stop requested")).toList(), "stopped " + slots.size() + " worker(s)", reply);
    }

    /**
     * Stops and starts the target's workers, side by side; {@code onlyDown}: only those stopped or errored. It owns their apps
     * meanwhile: a scale down between a slot's stop and its start would leave a process no app knows ({@link App#yieldTo}).
     */
    private void restart(String target, boolean onlyDown, Consumer<Response> reply) {
        List<Slot> slots = idle(Targets.resolve(target, apps)).stream().filter(s -> !onlyDown || s.state().waitsForAStart()).toList();
        List<App> taken = slots.stream().map(Slot::app).distinct().toList();
        taken.forEach(app -> app.begin(App.Operation.RESTART));
        taken.forEach(app -> startCache().tryAgain(app.name()));
        CompletableFuture<Void> restarted = CompletableFuture.allOf(rollout.restart(slots, onlyDown ? "start requested" : "restart requested")
                .toArray(CompletableFuture[]::new)).whenCompleteAsync((done, failure) -> taken.forEach(app -> app.end(App.Operation.RESTART)), loop);
        answer(List.of(restarted), (onlyDown ? "started " : "restarted ") + slots.size() + " worker(s)", reply);
    }

    private void delete(String target, Consumer<Response> reply) {
        List<App> doomed = Targets.apps(target, apps);
        App.yieldTo("delete", doomed);
        doomed.forEach(App::deleting);
        Rollout.allOf(doomed.stream().flatMap(a -> a.slots().stream()).map(s -> s.stop("app deleted")).toList()).whenCompleteAsync((done, failure) -> {
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
    private void reload(Request.Reload request, Consumer<Response> reply) {
        List<App> targets = Targets.apps(request.target(), apps);
        int parallel = request.parallel() == null ? 1 : request.parallel();
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be at least 1 (got " + parallel + ")");
        }
        List<AppSpec> updated = targets.stream().map(app -> AppSpecValidator.reloaded(app.spec(), request.env(), request.jvmArgs(), request.java())).toList();
        targets.forEach(App::requireIdle);
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
    private void scale(String target, String count, Consumer<Response> reply) {
        App app = target == null ? null : apps.get(target);
        if (app == null) {
            throw new Targets.NoMatch("no app named '" + target + "': scale takes one app name (see 'cluster list')");
        }
        int current = app.slots().size();
        int wanted = AppSpecValidator.scaled(count, current, app.name());
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

    /** Stops every worker, then waits for the standbys (told to stop with them), answers, and ends the daemon. Also SIGTERM and SIGINT. */
    public void kill(Consumer<Response> reply) {
        if (phase == Phase.SHUTTING_DOWN) {
            reply.accept(Response.ok("already shutting down"));
            return;
        }
        phase = Phase.SHUTTING_DOWN;
        log.info("shutting down: stopping every worker");
        apps.values().forEach(app -> app.preempt("kill"));
        List<CompletableFuture<Void>> stopped = apps.values().stream().flatMap(a -> a.slots().stream()).map(s -> s.stop("supervisor shutting down")).toList();
        Rollout.allOf(stopped).thenComposeAsync(done -> CompletableFuture.allOf(apps.values().stream().map(App::standbysStopped)
                .toArray(CompletableFuture[]::new)), loop).whenCompleteAsync((done, failure) -> {
            reply.accept(Response.ok("stopped " + stopped.size() + " worker(s) and the supervisor"));
            exitDaemon.run();
        }, loop);
    }

    /**
     * {@code cluster signal SIG TARGET}: the signal to each targeted worker that has a process. What
     * the worker does with it is its own business; if it exits, that is a crash like any other.
     */
    private void signal(String requested, String target, Consumer<Response> reply) {
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

    /** Serves /metrics on 127.0.0.1:port, replacing an endpoint already running; 0 stops it. */
    public void serveMetrics(int port) throws IOException {
        metricsEndpoint.serve(port);
    }

    private String prometheusText() {
        return views.prometheus(apps.values(), System.currentTimeMillis() - startedAtMillis);
    }

    /** A process connected to the worker socket: which attempt is it? Known by the kernel's word for its pid. */
    public Optional<Attempt> attemptWithPid(long pid) {
        return apps.values().stream().flatMap(App::attempts).filter(a -> a.pid() == pid).findFirst();
    }

    /** A reload's replacement given up and killed, not yet exited ({@link App#givenUp(long)}). */
    public boolean givenUp(long pid) {
        return apps.values().stream().anyMatch(app -> app.givenUp(pid));
    }

    /** A standby connected to the worker socket: known by its pid, like a worker. */
    public Optional<Standby> standbyWithPid(long pid) {
        return apps.values().stream().map(app -> app.standbyWithPid(pid)).flatMap(Optional::stream).findFirst();
    }

    /** Process {@code pid} (a worker or a standby) armed its death watch. */
    void watchDeath(long pid, WorkerMessage.Watch watch) {
        deathWatches.watch(pid, watch);
    }

    /** Process {@code pid}'s connection on the worker socket closed. */
    void workerConnectionClosed(long pid) {
        deathWatches.release(pid);
    }

    /** The start-up archives, whose training starts speak on the worker socket too. */
    public StartCache startCache() {
        return processes.startCache();
    }

    Map<String, App> apps() {
        return apps;
    }

    /** {@code action} gets the apps' names once every worker has ended errored (a crash loop): {@code cluster run} exits then. */
    public void whenEveryAppErrored(Consumer<String> action) {
        everyAppErrored = action;
    }

    private void slotChanged(Slot slot, SlotState state) {
        SharingProbe.afterChange(slot, state);
        if (state == SlotState.ERRORED) {
            // After the app has finished reacting to the change (its standbys), on a later turn of the loop.
            loop.execute(() -> {
                if (phase == Phase.RUNNING && !apps.isEmpty()
                        && apps.values().stream().flatMap(a -> a.slots().stream()).allMatch(s -> s.state() == SlotState.ERRORED)) {
                    everyAppErrored.accept(String.join(", ", apps.keySet()));
                }
            });
        }
    }

    /** One line for systemd's STATUS=: how many workers are online. */
    public String status() {
        return views.status(apps.values());
    }

    private Response.DaemonInfo daemonInfo() {
        return new Response.DaemonInfo(ProcessHandle.current().pid(), VERSION, System.currentTimeMillis() - startedAtMillis, home.dir().toString());
    }

    /**
     * Opens a {@code watch} stream: {@code frames} gets one frame now and one a second until the
     * returned action closes the stream (the connection closed). Called on the loop.
     */
    public Runnable watch(Consumer<Response> frames) {
        watchers.add(frames);
        frames.accept(views.frame(apps.values(), daemonInfo(), true));
        return () -> watchers.remove(frames);
    }

    /** One frame for every watcher, built once. */
    void sendFrames() {
        if (!watchers.isEmpty()) {
            Response frame = views.frame(apps.values(), daemonInfo(), false);
            List.copyOf(watchers).forEach(w -> w.accept(frame));
        }
    }

    /**
     * After every change of the app list: a supervisor that dies loses nothing {@code resurrect}
     * needs. Returns why it could not be saved, or null.
     */
    private String saveApps() {
        return saved.saveQuietly(apps.values().stream().map(App::spec).toList());
    }

    /**
     * Releases what outlives requests: what workers left running (see {@link ProcessGroups#endLeftoversNow}), training starts, the file thread
     * (after writing out the logs) and the metrics endpoint.
     */
    public void close() {
        ProcessGroups.endLeftoversNow();
        startCache().close();
        output.close();
        metricsEndpoint.close();
    }

    /** A reload, scale or restart owns its app until it ends: other commands on it are refused meanwhile (but see {@link App#yieldTo}). */
    private List<Slot> idle(List<Slot> slots) {
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
