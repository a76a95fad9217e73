package dev.cluster.daemon;

import dev.cluster.config.AppSpecValidator;
import dev.cluster.logs.LogFiles;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.worker.Worker;
import dev.cluster.worker.WorkerLauncher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Owns every app and worker. All of its methods run on one thread, the loop: control requests,
 * worker-socket messages, process exits and timers arrive there one at a time, so the state needs
 * no locks. Each control command has one handler below; long ones (start, stop, restart) answer
 * when their workers get where they were sent.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    public static final String VERSION = "0.1.0";

    private final Home home;
    private final ScheduledExecutorService loop;
    private final WorkerLauncher launcher;
    private final LogFiles logs;
    private final Runnable exitDaemon;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Map<String, App> apps = new LinkedHashMap<>();
    private boolean shuttingDown;

    /**
     * @param exitDaemon called on the loop once every worker has stopped after {@code kill} or a signal
     */
    public Supervisor(Home home, ScheduledExecutorService loop, Runnable exitDaemon) {
        this.home = home;
        this.loop = loop;
        this.logs = new LogFiles(home.logs());
        this.launcher = new WorkerLauncher(logs, home.workerSocket());
        this.exitDaemon = exitDaemon;
    }

    /** Handles one control request; {@code reply} is called exactly once, on the loop. */
    public void handle(Request request, Consumer<Response> reply) {
        if (shuttingDown && !"ping".equals(request.command())) {
            reply.accept(Response.error("the supervisor is shutting down; run the command again in a moment"));
            return;
        }
        try {
            switch (String.valueOf(request.command())) {
                case "ping" -> reply.accept(Response.daemon(new Response.DaemonInfo(ProcessHandle.current().pid(),
                        VERSION, System.currentTimeMillis() - startedAtMillis, home.dir().toString())));
                case "start" -> start(request.app(), reply);
                case "list" -> reply.accept(Response.workers(null, allWorkers()));
                case "describe" -> describe(request.target(), reply);
                case "stop" -> stop(request.target(), reply);
                case "restart" -> restart(request.target(), reply);
                case "delete" -> delete(request.target(), reply);
                case "kill" -> kill(reply);
                default -> reply.accept(Response.error("unknown command '" + request.command()
                        + "': this supervisor is version " + VERSION + "; is the CLI newer? run 'cluster kill' and retry"));
            }
        } catch (Targets.NoMatch e) {
            reply.accept(Response.error(e.getMessage()));
        }
    }

    /** Registers the app and answers once every worker is online, or with the first launch failure. */
    private void start(AppSpec spec, Consumer<Response> reply) {
        if (spec == null) {
            reply.accept(Response.error("start needs an app spec"));
            return;
        }
        Optional<String> problem = AppSpecValidator.problem(spec, apps.values().stream().map(App::spec).toList());
        if (problem.isPresent()) {
            reply.accept(Response.error(problem.get()));
            return;
        }
        App app = new App(spec, launcher, logs, loop);
        apps.put(spec.name(), app);
        log.info("app {} added: {} worker(s) on port {}: {}", spec.name(), spec.instances(), spec.port(),
                String.join(" ", launcher.commandLine(spec)));
        List<CompletableFuture<Void>> online = new ArrayList<>();
        for (Worker worker : app.workers()) {
            online.add(worker.start("start"));
        }
        answerWhenOnline(online, "started " + spec.name(), reply);
    }

    private void stop(String target, Consumer<Response> reply) {
        List<Worker> workers = Targets.resolve(target, apps);
        List<CompletableFuture<Void>> stopped = workers.stream().map(w -> w.stop("stop requested")).toList();
        whenAll(stopped).thenRun(() -> reply.accept(Response.workers("stopped " + workers.size() + " worker(s)", allWorkers())));
    }

    private void restart(String target, Consumer<Response> reply) {
        List<Worker> workers = Targets.resolve(target, apps);
        List<CompletableFuture<Void>> online = new ArrayList<>();
        for (Worker worker : workers) {
            online.add(worker.stop("restart requested").thenComposeAsync(done -> worker.start("restart requested"), loop));
        }
        answerWhenOnline(online, "restarted " + workers.size() + " worker(s)", reply);
    }

    private void delete(String target, Consumer<Response> reply) {
        List<App> doomed = Targets.apps(target, apps);
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (App app : doomed) {
            app.workers().forEach(w -> stopped.add(w.stop("app deleted")));
        }
        whenAll(stopped).thenRun(() -> {
            doomed.forEach(app -> apps.remove(app.name()));
            log.info("deleted {}", doomed.stream().map(App::name).toList());
            reply.accept(Response.workers("deleted " + doomed.stream().map(App::name).toList(), allWorkers()));
        });
    }

    private void describe(String target, Consumer<Response> reply) {
        List<Worker> workers = Targets.resolve(target, apps);
        List<AppInfo> infos = new ArrayList<>();
        for (App app : apps.values()) {
            List<WorkerInfo> selected = app.workers().stream().filter(workers::contains).map(Worker::info).toList();
            if (!selected.isEmpty()) {
                infos.add(new AppInfo(app.spec(), launcher.commandLine(app.spec()), selected));
            }
        }
        reply.accept(Response.apps(infos));
    }

    /** Stops every worker, answers, then ends the daemon. Also what SIGTERM and SIGINT do. */
    public void kill(Consumer<Response> reply) {
        if (shuttingDown) {
            reply.accept(Response.ok("already shutting down"));
            return;
        }
        shuttingDown = true;
        log.info("shutting down: stopping every worker");
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        apps.values().forEach(app -> app.workers().forEach(w -> stopped.add(w.stop("supervisor shutting down"))));
        whenAll(stopped).thenRunAsync(() -> {
            reply.accept(Response.ok("stopped " + stopped.size() + " worker(s) and the supervisor"));
            exitDaemon.run();
        }, loop);
    }

    /** A process connected to the worker socket: which worker is it? Identified by the peer's pid. */
    public Optional<Worker> workerWithPid(long pid) {
        return apps.values().stream().flatMap(a -> a.workers().stream())
                .filter(w -> w.pid() != null && w.pid() == pid).findFirst();
    }

    private List<WorkerInfo> allWorkers() {
        return apps.values().stream().flatMap(a -> a.workers().stream()).map(w -> w.info().summary()).toList();
    }

    private void answerWhenOnline(List<CompletableFuture<Void>> online, String message, Consumer<Response> reply) {
        whenAll(online).whenCompleteAsync((done, failure) -> {
            if (failure == null) {
                reply.accept(Response.workers(message, allWorkers()));
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            List<String> details = cause instanceof Worker.LaunchFailure lf ? lf.stderr() : List.of();
            reply.accept(Response.error(cause.getMessage(), details));
        }, loop);
    }

    /** Completes when all complete, or exceptionally as soon as one fails. */
    private static CompletableFuture<Void> whenAll(List<CompletableFuture<Void>> futures) {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        futures.forEach(f -> f.whenComplete((v, e) -> {
            if (e != null) {
                firstFailure.completeExceptionally(e);
            }
        }));
        all.whenComplete((v, e) -> firstFailure.complete(null));
        return firstFailure;
    }
}
