package dev.cluster.daemon;

import dev.cluster.home.Home;
import dev.cluster.logs.LogFiles;
import dev.cluster.logs.LogWriter;
import dev.cluster.metrics.MetricsEndpoint;
import dev.cluster.metrics.ProcessSampler;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerMessage;
import dev.cluster.reload.Rollout;
import dev.cluster.reload.SharingProbe;
import dev.cluster.view.Views;
import dev.cluster.view.WorkerTable;
import dev.cluster.worker.AgentJar;
import dev.cluster.worker.App;
import dev.cluster.worker.Attempt;
import dev.cluster.worker.Loop;
import dev.cluster.worker.OsProcesses;
import dev.cluster.worker.ProcessGroups;
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
 * Owns the app table and answers the control commands: those that change apps through
 * {@link AppCommands}, the rest (list, describe, save, resurrect, kill, metrics, watch) here. Every
 * method runs on the loop, one event at a time, so nothing needs a lock.
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
    private final AppCommands commands;
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
        Rollout rollout = new Rollout(loop);
        this.housekeeping = new Housekeeping(this, new ProcessSampler(output.thread()), rollout, loop);
        this.exitDaemon = exitDaemon;
        this.saved = new SavedApps(home.dir());
        this.commands = new AppCommands(apps, loop, processes, views, rollout, saved, this::slotChanged);
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
                commands.start(r.app(), reply);
            } else if (request instanceof Request.ListWorkers r) {
                Response list = views.list(apps.values(), null);
                boolean json = "json".equals(r.output());
                reply.accept(r.output() == null ? list : Response.ok(WorkerTable.list(list, json, Boolean.TRUE.equals(r.colour()), r.columns() == null ? 0 : r.columns())
                        + (saved.held() == null || json ? "" : "note: " + saved.held() + "\n")));
            } else if (request instanceof Request.Describe r) {
                reply.accept(Response.apps(views.describe(apps.values(), Targets.resolve(r.target(), apps), Boolean.TRUE.equals(r.showEnv()),
                        processes::commandLine)));
            } else if (request instanceof Request.Stop r) {
                commands.stop(r.target(), reply);
            } else if (request instanceof Request.Restart r) {
                commands.restart(r.target(), Boolean.TRUE.equals(r.down()), reply);
            } else if (request instanceof Request.Delete r) {
                commands.delete(r.target(), reply);
            } else if (request instanceof Request.Reload r) {
                commands.reload(r, reply);
            } else if (request instanceof Request.Scale r) {
                commands.scale(r.app(), r.count(), reply);
            } else if (request instanceof Request.Signal r) {
                commands.signal(r.signal(), r.target(), reply);
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
        Rollout.allOf(stopped).thenComposeAsync(done -> CompletableFuture.allOf(apps.values().stream().map(app -> app.standbys().stopped())
                .toArray(CompletableFuture[]::new)), loop).whenCompleteAsync((done, failure) -> {
            reply.accept(Response.ok("stopped " + stopped.size() + " worker(s) and the supervisor"));
            exitDaemon.run();
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
        return apps.values().stream().map(app -> app.standbys().withPid(pid)).flatMap(Optional::stream).findFirst();
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
     * Releases what outlives requests: what workers left running (see {@link ProcessGroups#endLeftoversNow}), training starts, the file thread
     * (after writing out the logs) and the metrics endpoint.
     */
    public void close() {
        ProcessGroups.endLeftoversNow();
        startCache().close();
        output.close();
        metricsEndpoint.close();
    }
}
