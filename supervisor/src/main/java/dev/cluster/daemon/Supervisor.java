package dev.cluster.daemon;

import dev.cluster.protocol.Env;
import dev.cluster.home.Home;
import dev.cluster.config.AppSpecValidator;
import dev.cluster.config.Durations;
import dev.cluster.logs.LogFiles;
import dev.cluster.logs.LogWriter;
import dev.cluster.metrics.MetricsEndpoint;
import dev.cluster.metrics.ProcessSampler;
import dev.cluster.metrics.PrometheusText;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.reload.SharingProbe;
import dev.cluster.reload.SlotListeners;
import dev.cluster.telemetry.LagHistograms;
import dev.cluster.view.WorkerTable;
import dev.cluster.worker.AgentJar;
import dev.cluster.worker.ExitOutput;
import dev.cluster.worker.PortListeners;
import dev.cluster.worker.Worker;
import dev.cluster.worker.WorkerLauncher;
import dev.cluster.worker.WorkerState;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Owns every app and worker. All of its methods run on one thread, the loop: control requests,
 * worker-socket messages, process exits and timers arrive there one at a time, so the state needs
 * no locks. Each control command has one handler below; long ones (start, stop, restart, reload,
 * scale) answer when their workers get where they were sent.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    public static final String VERSION = "0.1.0";
    /** Signals {@code cluster signal} may send: the ones apps handle, and the ones operators use on purpose. */
    private static final List<String> SIGNALS = List.of("HUP", "INT", "QUIT", "USR1", "USR2", "TERM", "KILL", "CONT", "STOP", "WINCH");
    /** Between SIGQUIT and SIGKILL for a hung worker: a JVM writes its thread dump in milliseconds, a big one in a second. */
    private static final long THREAD_DUMP_GRACE_MS = 1_500;

    private final Home home;
    private final ScheduledExecutorService loop;
    private final WorkerLauncher launcher;
    /** Reads the workers' output pipes and writes their log files, on a thread of its own. */
    private final LogWriter output;
    private final LogFiles logs;
    private final SlotListeners listeners = new SlotListeners();
    private final Runnable exitDaemon;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Map<String, App> apps = new LinkedHashMap<>();
    private final ProcessSampler sampler;
    private boolean sampling;
    private MetricsEndpoint metricsEndpoint;
    private boolean shuttingDown;
    /** The open {@code watch} streams ({@code cluster monit}): each gets a frame a second. */
    private final List<Consumer<Response>> watchers = new ArrayList<>();
    private final SavedApps saved;
    /** Workers found hung: their thread dump is being written, SIGKILL follows. */
    private final Set<Worker> hanging = new HashSet<>();

    /**
     * @param exitDaemon called on the loop once every worker has stopped after {@code kill} or a signal
     */
    public Supervisor(Home home, ScheduledExecutorService loop, Runnable exitDaemon) {
        this.home = home;
        this.loop = loop;
        this.logs = new LogFiles(home.logs());
        this.output = new LogWriter(logs);
        this.sampler = new ProcessSampler(output.thread());
        this.launcher = new WorkerLauncher(output, home.workerSocket(), AgentJar.install(home.lib()));
        this.exitDaemon = exitDaemon;
        this.saved = new SavedApps(home.dir());
        loop.scheduleAtFixedRate(this::sampleProcesses, 1, 1, TimeUnit.SECONDS);
        loop.scheduleAtFixedRate(this::sendFrames, 1, 1, TimeUnit.SECONDS);
        loop.scheduleAtFixedRate(this::guard, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Handles one control request. {@code reply} is called on the loop: zero or more progress
     * responses, then exactly one final response.
     */
    public void handle(Request request, Consumer<Response> reply) {
        if (shuttingDown && !"ping".equals(request.command())) {
            reply.accept(Response.error("the supervisor is shutting down; run the command again in a moment"));
            return;
        }
        try {
            switch (String.valueOf(request.command())) {
                case "ping" -> reply.accept(Response.daemon(daemonInfo()));
                case "start" -> start(request.app(), reply);
                case "list" -> reply.accept(request.output() == null ? listed(null)
                        : Response.ok(WorkerTable.list(listed(null), "json".equals(request.output()), Boolean.TRUE.equals(request.colour()))));
                case "metrics" -> metrics(request.count(), reply);
                case "signal" -> signal(request.signal(), request.target(), reply);
                case "describe" -> describe(request.target(), Boolean.TRUE.equals(request.showEnv()), reply);
                case "stop" -> stop(request.target(), reply);
                case "restart" -> restart(request.target(), reply);
                case "delete" -> delete(request.target(), reply);
                case "reload" -> reload(request, reply);
                case "scale" -> scale(request.target(), request.count(), reply);
                case "kill" -> kill(reply);
                case "save" -> save(reply);
                case "resurrect" -> resurrect(reply);
                default -> reply.accept(Response.error("unknown command '" + request.command()
                        + "': this supervisor is version " + VERSION + "; is the CLI newer? run 'cluster kill' and retry"));
            }
        } catch (Targets.NoMatch | Busy e) {
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
        App app = new App(spec, launcher, logs, loop, this::onWorkerState);
        apps.put(spec.name(), app);
        saveApps();
        log.info("app {} added: {} worker(s) on port {} ({} bind): {}", spec.name(), spec.instances(), spec.port(),
                spec.bind(), String.join(" ", launcher.commandLine(spec)));
        List<CompletableFuture<Void>> online = new ArrayList<>();
        for (Worker worker : app.workers()) {
            online.add(worker.start("start"));
        }
        whenAll(online).whenCompleteAsync((done, failure) -> reply.accept(failure == null ? listed("started " + spec.name())
                : app.portNotShared() != null ? Response.error(app.portNotShared()) : failed("", failure)), loop);
    }

    private void stop(String target, Consumer<Response> reply) {
        List<Worker> workers = idle(Targets.resolve(target, apps));
        List<CompletableFuture<Void>> stopped = workers.stream().map(w -> retire(w, "stop requested")).toList();
        whenAll(stopped).thenRun(() -> reply.accept(listed("stopped " + workers.size() + " worker(s)")));
    }

    private void restart(String target, Consumer<Response> reply) {
        List<Worker> workers = idle(Targets.resolve(target, apps));
        List<CompletableFuture<Void>> online = new ArrayList<>();
        for (Worker worker : workers) {
            online.add(retire(worker, "restart requested").thenComposeAsync(done -> worker.start("restart requested"), loop));
        }
        answerWhenOnline(online, "restarted " + workers.size() + " worker(s)", reply);
    }

    private void delete(String target, Consumer<Response> reply) {
        List<App> doomed = Targets.apps(target, apps);
        doomed.forEach(Supervisor::requireIdle);
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (App app : doomed) {
            app.workers().forEach(w -> stopped.add(retire(w, "app deleted")));
        }
        whenAll(stopped).thenRun(() -> {
            doomed.forEach(app -> apps.remove(app.name()));
            saveApps();
            log.info("deleted {}", doomed.stream().map(App::name).toList());
            reply.accept(listed("deleted " + doomed.stream().map(App::name).toList()));
        });
    }

    /** Everything about the target's workers. The environment's values (tokens, passwords) only when asked for. */
    private void describe(String target, boolean showEnv, Consumer<Response> reply) {
        List<Worker> workers = Targets.resolve(target, apps);
        List<AppInfo> infos = new ArrayList<>();
        for (App app : apps.values()) {
            List<WorkerInfo> selected = app.workers().stream().filter(workers::contains).map(Worker::details).toList();
            if (!selected.isEmpty()) {
                AppSpec spec = showEnv ? app.spec() : app.spec().withEnv(Env.hidden(app.spec().env()));
                infos.add(new AppInfo(spec, launcher.commandLine(app.spec()), selected, lag(app.workers())));
            }
        }
        reply.accept(Response.apps(infos));
    }

    /**
     * Replaces every worker of the target apps, {@code parallel} slots at a time: start the
     * replacement, wait until it is online, then drain the old one. The first replacement that fails
     * stops the reload; the workers not yet replaced keep serving.
     */
    private void reload(Request request, Consumer<Response> reply) {
        List<App> targets = Targets.apps(request.target(), apps);
        targets.forEach(Supervisor::requireIdle);
        int parallel = request.parallel() == null ? 1 : request.parallel();
        if (parallel < 1) {
            reply.accept(Response.error("--parallel must be at least 1 (got " + parallel + ")"));
            return;
        }
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (App app : targets) {
            app.operation("reload");
            if (request.env() != null) {
                app.spec(app.spec().withEnv(request.env()));
            }
            if (request.jvmArgs() != null) {
                app.spec(app.spec().withJvmArgs(request.jvmArgs()));
            }
            if (request.env() != null || request.jvmArgs() != null) {
                saveApps();
            }
            int total = app.workers().size();
            for (int first = 0; first < total; first += parallel) {
                int from = first;
                int to = Math.min(total, first + parallel);
                chain = chain.thenComposeAsync(done -> {
                    List<CompletableFuture<Void>> batch = new ArrayList<>();
                    for (int id = from; id < to; id++) {
                        batch.add(reloadSlot(app, id, total, reply));
                    }
                    return whenAll(batch);
                }, loop);
            }
        }
        chain.whenCompleteAsync((done, failure) -> {
            targets.forEach(app -> app.operation(null));
            reply.accept(failure == null
                    ? listed("reloaded " + targets.stream().map(App::name).toList())
                    : failed("reload stopped: ", failure));
        }, loop);
    }

    private CompletableFuture<Void> reloadSlot(App app, int id, int total, Consumer<Response> reply) {
        Worker old = app.workers().get(id);
        long startedNanos = System.nanoTime();
        if (old.state() != WorkerState.ONLINE) {
            // Not serving (crashed, restarting, stopped): nothing to keep up, so it is restarted in place
            // rather than given a replacement that would race its own restart.
            String was = old.state().label();
            return old.stop("reload").thenComposeAsync(done -> old.start("reload of a worker that was " + was), loop)
                    .thenRun(() -> reply.accept(Response.progress(String.format("%s %d/%d started (it was %s)",
                            app.name(), id + 1, total, was))));
        }
        Worker replacement = app.addReplacement(id);
        return replacement.startReplacing(old, "reload, replacing pid " + old.pid())
                .handleAsync((done, failure) -> {
                    if (failure != null) {
                        app.dropReplacement(replacement);
                        Throwable cause = unwrap(failure);
                        String why = replacement.lastExitWasBindFailure() ? portNotShared(app).map(NotShared::reason).orElse(cause.getMessage())
                                : cause.getMessage();
                        String oldNow = old.state() == WorkerState.ONLINE ? old.name() + " keeps serving with pid " + old.pid()
                                : old.name() + " is " + old.state().label();
                        throw new CompletionException(new Worker.LaunchFailure(why + "; " + oldNow, stderrOf(cause)));
                    }
                    long readyNanos = System.nanoTime();
                    app.promote(replacement);
                    return old.stop("replaced by pid " + replacement.pid()).thenRun(() -> reply.accept(Response.progress(
                            String.format("%s worker %d/%d ready in %.1f s, old drained in %.1f s", app.name(), id + 1, total,
                                    (readyNanos - startedNanos) / 1e9, (System.nanoTime() - readyNanos) / 1e9))));
                }, loop)
                .thenCompose(drained -> drained);
    }

    /** Sets the number of workers: new ones get new ids and count once online; scaling down drains the highest ids. */
    private void scale(String target, String count, Consumer<Response> reply) {
        App app = target == null ? null : apps.get(target);
        if (app == null) {
            throw new Targets.NoMatch("no app named '" + target + "': scale takes one app name (see 'cluster list')");
        }
        requireIdle(app);
        int current = app.workers().size();
        int wanted;
        try {
            wanted = count.startsWith("+") || count.startsWith("-") ? current + Integer.parseInt(count) : Integer.parseInt(count);
        } catch (NumberFormatException | NullPointerException e) {
            reply.accept(Response.error("scale takes N, +N or -N workers (got '" + count + "')"));
            return;
        }
        if (wanted < 1 || wanted > AppSpecValidator.MAX_INSTANCES) {
            reply.accept(Response.error("an app runs 1 to " + AppSpecValidator.MAX_INSTANCES + " workers (asked for " + wanted
                    + "); to stop it use 'cluster stop " + app.name() + "'"));
            return;
        }
        app.operation("scale");
        app.spec(app.spec().withInstances(wanted));
        saveApps();
        List<CompletableFuture<Void>> changes = new ArrayList<>();
        for (int id = current; id < wanted; id++) {
            changes.add(app.addSlot().start("scale up to " + wanted));
        }
        // A leaving slot's socket is not closed (that would reset its queue): it passes to a
        // remaining slot, whose worker is replaced by one serving both before the leaver drains.
        Map<Integer, List<Worker>> leaversByHeir = new TreeMap<>();
        for (int id = current - 1; id >= wanted; id--) {
            Worker leaving = app.workers().get(id);
            int heir = id % wanted;
            if (listeners.canBequeath(app.name(), id) && app.workers().get(heir).state() == WorkerState.ONLINE) {
                leaversByHeir.computeIfAbsent(heir, h -> new ArrayList<>()).add(leaving);
            } else {
                changes.add(retire(leaving, "scale down to " + wanted));
            }
        }
        CompletableFuture<Void> handovers = CompletableFuture.completedFuture(null);
        for (Map.Entry<Integer, List<Worker>> e : leaversByHeir.entrySet()) {
            int heir = e.getKey();
            List<Worker> leavers = e.getValue();
            handovers = handovers.thenComposeAsync(done -> {
                leavers.forEach(leaver -> listeners.bequeath(app.name(), leaver.id(), heir));
                return reloadSlot(app, heir, wanted, reply).thenComposeAsync(replaced -> whenAll(leavers.stream()
                        .map(leaver -> leaver.stop("scale down to " + wanted + ", its socket now served by slot " + heir)).toList()), loop);
            }, loop);
        }
        changes.add(handovers);
        whenAll(changes).whenCompleteAsync((done, failure) -> {
            while (app.workers().size() > wanted && !app.workers().get(app.workers().size() - 1).state().hasProcess()) {
                app.removeLastSlot();
            }
            app.operation(null);
            reply.accept(failure == null
                    ? listed("scaled " + app.name() + " from " + current + " to " + wanted + " worker(s)")
                    : failed("", failure));
        }, loop);
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
        apps.values().forEach(app -> app.allWorkers().forEach(w -> stopped.add(retire(w, "supervisor shutting down"))));
        whenAll(stopped).thenRunAsync(() -> {
            reply.accept(Response.ok("stopped " + stopped.size() + " worker(s) and the supervisor"));
            exitDaemon.run();
        }, loop);
    }

    /** A process connected to the worker socket: which worker is it? Identified by the peer's pid. */
    public Optional<Worker> workerWithPid(long pid) {
        return apps.values().stream().flatMap(App::allWorkers)
                .filter(w -> w.pid() != null && w.pid() == pid).findFirst();
    }

    /** The listening sockets of the worker's slot, for handoff; bound on first use. {@code one}: only the slot's own (an unmodified app). */
    public int[] listenersFor(Worker worker, String host, Boolean ipv6, boolean one) throws IOException {
        App app = apps.get(worker.app());
        return listeners.fds(app.name(), worker.id(), host == null ? "127.0.0.1" : host, app.spec().port(), ipv6, one);
    }

    /**
     * Stops a worker for good (not to replace it): its slot's socket is closed first, so the kernel
     * stops routing new connections to it while the worker still accepts what already queued. Closed
     * after the drain instead, every connection that queued meanwhile would be reset.
     */
    private CompletableFuture<Void> retire(Worker worker, String reason) {
        closeSlotSockets(worker);
        return worker.stop(reason);
    }

    /**
     * A crash-looping slot closes its socket: nobody will accept on it until a restart. A worker
     * that came online, or failed at start-up because its address was taken, is where an app that
     * cannot share its port shows it: then the app's other workers are stopped, not restarted for ever.
     */
    private void onWorkerState(Worker worker, WorkerState state) {
        if (state == WorkerState.ERRORED) {
            closeSlotSockets(worker);
        }
        App app = apps.get(worker.app());
        if (app == null || app.portNotShared() != null
                || !(state == WorkerState.ONLINE || state == WorkerState.EXITED && worker.lastExitWasBindFailure())) {
            return;
        }
        portNotShared(app).ifPresent(notShared -> {
            app.portNotShared(notShared.reason());
            log.warn(notShared.reason());
            app.allWorkers().filter(w -> w != notShared.holder() && w.state() != WorkerState.ONLINE && w.state() != WorkerState.STOPPED)
                    .forEach(w -> w.stop(notShared.reason()));
        });
    }

    /** The worker that holds a port without SO_REUSEPORT, and what to tell the user. */
    private record NotShared(Worker holder, String reason) {
    }

    /**
     * Whether a second worker could bind where this app's running workers listen: a socket with
     * SO_REUSEPORT is bound beside each of their listeners (see {@link SharingProbe}). The reason
     * for the user when not, naming the fix that fits how the app is started.
     */
    private static Optional<NotShared> portNotShared(App app) {
        List<PortListeners.Listener> all = PortListeners.listening();
        for (Worker w : app.allWorkers().filter(w -> w.pid() != null).toList()) {
            Optional<PortListeners.Listener> alone = SharingProbe.unshareable(PortListeners.heldBy(w.pid(), all));
            if (alone.isPresent()) {
                int port = alone.get().port();
                AppSpec spec = app.spec();
                String fix = spec.jar() == null ? "start it as a jar so the agent can share the port"
                        : !spec.agent() ? "start it without --no-agent so the agent can share the port"
                        : "the agent could not share it: see 'cluster logs " + app.name() + " --err'";
                return Optional.of(new NotShared(w, "app '" + app.name() + "' binds port " + port + " without SO_REUSEPORT, so only one worker "
                        + "can serve it: use -i 1, or " + fix + (port == spec.port() ? "" : " (the agent shares only its --port, "
                        + spec.port() + ": set --port " + port + ")")));
            }
        }
        return Optional.empty();
    }

    /** Only the worker serving a slot speaks for its sockets; a replaced or abandoned one does not. */
    private void closeSlotSockets(Worker worker) {
        App app = apps.get(worker.app());
        if (app != null && app.isCurrent(worker)) {
            listeners.close(worker.app(), worker.id());
        }
    }

    /** One line for systemd's STATUS=: how many workers are online. */
    public String status() {
        List<Worker> all = apps.values().stream().flatMap(app -> app.workers().stream()).toList();
        long online = all.stream().filter(w -> w.state() == WorkerState.ONLINE).count();
        return online + "/" + all.size() + " workers online in " + apps.size() + " app(s)";
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
        frames.accept(frame(true));
        return () -> watchers.remove(frames);
    }

    /** One frame for every watcher, built once. */
    private void sendFrames() {
        if (!watchers.isEmpty()) {
            Response frame = frame(false);
            List.copyOf(watchers).forEach(w -> w.accept(frame));
        }
    }

    /** @param withHistory the first frame of a stream: every worker's recent series, for the sparklines */
    private Response frame(boolean withHistory) {
        List<Worker> workers = apps.values().stream().flatMap(App::allWorkers).toList();
        return Response.frame(daemonInfo(), workers.stream().map(w -> w.glance(withHistory)).toList(),
                lag(apps.values().stream().flatMap(app -> app.workers().stream()).toList()));
    }

    /** After every change of the app list: a supervisor that dies loses nothing {@code resurrect} needs. */
    private void saveApps() {
        try {
            writeApps();
        } catch (IOException e) {
            log.warn("could not save the app list to {}: {}", saved.file(), e.toString());
        }
    }

    private void save(Consumer<Response> reply) {
        try {
            writeApps();
            reply.accept(Response.ok("saved " + apps.size() + " app(s) to " + saved.file()));
        } catch (IOException e) {
            reply.accept(Response.error("cannot save the app list to " + saved.file() + ": " + e.getMessage() + "; check the disk and "
                    + home.dir() + "'s permissions"));
        }
    }

    private void writeApps() throws IOException {
        saved.save(apps.values().stream().map(App::spec).toList());
    }

    /** Starts every saved app that does not run; the answer lists them all, and why any did not start. */
    private void resurrect(Consumer<Response> reply) {
        SavedApps.Loaded loaded;
        try {
            loaded = saved.load();
        } catch (IOException e) {
            reply.accept(Response.error(e.getMessage()));
            return;
        }
        List<String> notes = new ArrayList<>();
        if (loaded.warning() != null) {
            log.warn("resurrect: {}", loaded.warning());
            notes.add(loaded.warning());
        }
        List<CompletableFuture<Response>> started = new ArrayList<>();
        for (AppSpec spec : loaded.apps()) {
            if (apps.containsKey(spec.name())) {
                notes.add(spec.name() + " is already running: left as it is");
                continue;
            }
            CompletableFuture<Response> answer = new CompletableFuture<>();
            start(spec, answer::complete);
            started.add(answer);
        }
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
            List<String> failures = started.stream().map(CompletableFuture::join).filter(r -> !r.ok()).map(Response::error).toList();
            notes.addAll(failures);
            String summary = "resurrected " + (started.size() - failures.size()) + " of " + loaded.apps().size()
                    + " app(s) saved at " + loaded.savedAt();
            reply.accept(failures.isEmpty()
                    ? listed(summary + (notes.isEmpty() ? "" : "\n" + String.join("\n", notes)))
                    : Response.error(summary + "; " + failures.size() + " failed", notes));
        }, loop);
    }

    /** Every worker as {@code list} shows it, with the lag of the whole cluster. */
    private Response listed(String message) {
        List<WorkerInfo> workers = apps.values().stream().flatMap(App::allWorkers).map(Worker::info).toList();
        return Response.workers(message, workers).withLag(lag(apps.values().stream().flatMap(app -> app.workers().stream()).toList()));
    }

    /**
     * The lag of these workers over the last 10 s: their histograms merged, so the p99 is that of all
     * their samples. Workers without a process have no current lag and are left out.
     */
    private static LagSummary lag(List<Worker> workers) {
        long now = System.currentTimeMillis();
        Histogram merged = LagHistograms.create();
        workers.stream().filter(w -> w.pid() != null).forEach(w -> merged.add(w.telemetry().recentLag(now)));
        return LagHistograms.summary(merged);
    }

    /**
     * {@code cluster signal SIG TARGET}: sends the signal to each targeted worker that has a process
     * (with util-linux {@code kill}: the JDK can only send TERM and KILL). What the worker does with it
     * is its own business; if it exits, that is a crash like any other and it is restarted.
     */
    private void signal(String requested, String target, Consumer<Response> reply) {
        String name = requested == null ? "" : requested.toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
        if (!SIGNALS.contains(name)) {
            reply.accept(Response.error("unknown signal '" + requested + "': use one of " + String.join(", ", SIGNALS)));
            return;
        }
        List<String> sent = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Worker w : Targets.resolve(target, apps)) {
            Long pid = w.pid();
            if (pid == null) {
                skipped.add(w.name());
                continue;
            }
            done.add(sendSignal(pid, name).thenAccept(ok -> sent.add(w.name() + " (pid " + pid + ")")));
        }
        if (done.isEmpty()) {
            reply.accept(Response.error("no running worker in '" + target + "' to signal"));
            return;
        }
        whenAll(done).whenCompleteAsync((ok, failure) -> {
            if (failure != null) {
                reply.accept(failed("", failure));
                return;
            }
            log.info("sent SIG{} to {}", name, sent);
            reply.accept(Response.ok("sent SIG" + name + " to " + String.join(", ", sent)
                    + (skipped.isEmpty() ? "" : "; skipped (no process): " + String.join(", ", skipped))));
        }, loop);
    }

    /**
     * {@code cluster metrics}: the Prometheus text, or with a port, serve it on 127.0.0.1 (0 stops
     * serving). The endpoint lives as long as the supervisor.
     */
    private void metrics(String port, Consumer<Response> reply) {
        if (port == null) {
            reply.accept(Response.ok(prometheusText()));
            return;
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535) {
            reply.accept(Response.error("the metrics port must be between 1 and 65535, or 0 to stop serving (got '" + port + "')"));
            return;
        }
        try {
            serveMetrics(p);
        } catch (IOException e) {
            reply.accept(Response.error("cannot serve metrics on 127.0.0.1:" + p + ": " + e.getMessage() + "; choose another port"));
            return;
        }
        reply.accept(Response.ok(p == 0 ? "metrics endpoint stopped" : "serving Prometheus metrics on http://127.0.0.1:" + p + "/metrics"));
    }

    /** Serves /metrics on 127.0.0.1:port, replacing an endpoint already running; 0 stops it. */
    public void serveMetrics(int port) throws IOException {
        MetricsEndpoint next = port == 0 ? null : MetricsEndpoint.start(port, loop, this::prometheusText);
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        metricsEndpoint = next;
        if (next != null) {
            log.info("serving Prometheus metrics on http://127.0.0.1:{}/metrics", port);
        }
    }

    private String prometheusText() {
        Map<String, List<PrometheusText.Row>> rows = new LinkedHashMap<>();
        Map<String, LagSummary> appLag = new LinkedHashMap<>();
        for (App app : apps.values()) {
            rows.put(app.name(), app.allWorkers().map(w -> new PrometheusText.Row(w.info(), w.telemetry())).toList());
            appLag.put(app.name(), lag(app.workers()));
        }
        return PrometheusText.render(rows, appLag, System.currentTimeMillis() - startedAtMillis);
    }

    /** Once a second: the OS's figures for every running worker, read off the loop, applied on it. */
    private void sampleProcesses() {
        if (sampling) {
            return; // the previous pass is still reading /proc
        }
        Map<Long, Worker> byPid = apps.values().stream().flatMap(App::allWorkers).filter(w -> w.pid() != null)
                .collect(Collectors.toMap(Worker::pid, w -> w, (a, b) -> a));
        if (byPid.isEmpty()) {
            return;
        }
        sampling = true;
        sampler.sample(byPid.keySet()).whenCompleteAsync((samples, failure) -> {
            sampling = false;
            if (failure != null) {
                log.warn("sampling worker processes failed: {}", failure.toString());
                return;
            }
            samples.forEach((pid, s) -> {
                Worker w = byPid.get(pid);
                if (pid.equals(w.pid())) { // not replaced meanwhile
                    w.telemetry().onProcessSample(s.cpuPercent(), s.rssBytes(), s.threads(), s.cpuTimeMs());
                }
            });
        }, loop);
    }

    /**
     * Sends a signal with util-linux {@code kill} (the JDK sends only TERM and KILL); completes on
     * the loop, exceptionally if kill failed.
     */
    private CompletableFuture<Void> sendSignal(long pid, String name) {
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid)).redirectErrorStream(true).start();
            kill.onExit().thenAcceptAsync(p -> {
                if (p.exitValue() == 0) {
                    delivered.complete(null);
                } else {
                    delivered.completeExceptionally(new IllegalStateException("kill -s " + name + " " + pid + " failed"));
                }
            }, loop);
        } catch (IOException e) {
            delivered.completeExceptionally(new IllegalStateException("cannot run kill: " + e.getMessage()));
        }
        return delivered;
    }

    /** Once a second, for every online worker: {@code --hang-timeout}, then {@code --max-memory-restart}. */
    private void guard() {
        long now = System.currentTimeMillis();
        for (App app : apps.values()) {
            AppSpec spec = app.spec();
            for (Worker w : app.workers()) {
                if (w.state() != WorkerState.ONLINE || hanging.contains(w)) {
                    continue;
                }
                String hang = spec.hangTimeoutMs() == null ? null : w.telemetry().hang(now, w.uptimeMs(), spec.hangTimeoutMs());
                Long rss = w.telemetry().rssBytes();
                if (hang != null) {
                    dumpAndKill(w, hang, spec.hangTimeoutMs());
                } else if (spec.maxMemoryBytes() != null && rss != null && rss > spec.maxMemoryBytes() && app.operation() == null) {
                    replaceForMemory(app, w, rss, spec.maxMemoryBytes());
                }
            }
        }
    }

    /**
     * A hung worker: SIGQUIT makes a JVM print every thread's stack to its stdout (the out log), which
     * says where it is stuck; SIGKILL a moment later, and the crash path restarts it. A frozen
     * process cannot write its dump; the kill still comes.
     */
    private void dumpAndKill(Worker w, String why, long timeoutMs) {
        long pid = w.pid();
        hanging.add(w);
        log.warn("{} (pid {}) is hung: {} (--hang-timeout {}): thread dump to {}, then SIGKILL", w.name(), pid, why,
                Durations.format(timeoutMs), logs.file(apps.get(w.app()).spec(), w.id(), false));
        sendSignal(pid, "QUIT").whenComplete((ok, failure) -> loop.schedule(() -> {
            hanging.remove(w);
            if (Long.valueOf(pid).equals(w.pid())) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }, THREAD_DUMP_GRACE_MS, TimeUnit.MILLISECONDS));
    }

    /**
     * A worker over its memory limit is replaced as a reload replaces it: the new one ready, then the
     * old one drains. If no replacement gets ready (an app that never listens cannot show it is), it
     * is restarted instead: the limit is kept either way.
     */
    private void replaceForMemory(App app, Worker w, long rss, long limit) {
        String reason = "over --max-memory-restart " + WorkerTable.bytes(limit);
        log.info("{} (pid {}) uses {} of memory, {}: replacing it without downtime", w.name(), w.pid(), WorkerTable.bytes(rss), reason);
        app.operation("memory restart");
        reloadSlot(app, w.id(), app.workers().size(), progress -> log.info("memory restart: {}", progress.progress()))
                .handleAsync((done, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    log.warn("{}: no replacement got ready ({}): restarting it instead", w.name(), unwrap(failure).getMessage());
                    return retire(w, reason).thenComposeAsync(stopped -> w.start(reason), loop);
                }, loop)
                .thenCompose(restarted -> restarted)
                .whenCompleteAsync((done, failure) -> {
                    app.operation(null);
                    if (failure != null) {
                        log.warn("memory restart of {} failed: {}", w.name(), unwrap(failure).getMessage());
                    }
                }, loop);
    }

    /** Releases what outlives requests: the file thread (after writing out the logs) and the metrics endpoint. */
    public void close() {
        output.close();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
    }

    /** A reload or scale owns its app until it ends: other commands on it are refused meanwhile. */
    private List<Worker> idle(List<Worker> workers) {
        workers.stream().map(w -> apps.get(w.app())).distinct().forEach(Supervisor::requireIdle);
        return workers;
    }

    private static void requireIdle(App app) {
        if (app.operation() != null) {
            throw new Busy("app '" + app.name() + "' is busy with a " + app.operation() + ": run the command again when it has finished");
        }
    }

    private static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    private void answerWhenOnline(List<CompletableFuture<Void>> online, String message, Consumer<Response> reply) {
        whenAll(online).whenCompleteAsync((done, failure) -> {
            reply.accept(failure == null ? listed(message) : failed("", failure));
        }, loop);
    }

    /** The error answer for a failed future: its cause's message, and the worker's stderr lines if it has them. */
    private static Response failed(String prefix, Throwable failure) {
        Throwable cause = unwrap(failure);
        return Response.error(prefix + cause.getMessage(), stderrOf(cause).lines());
    }

    private static ExitOutput stderrOf(Throwable cause) {
        return cause instanceof Worker.LaunchFailure lf ? lf.output() : ExitOutput.NONE;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
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
        all.whenComplete((v, e) -> {
            if (e == null) {
                firstFailure.complete(null);
            } else {
                firstFailure.completeExceptionally(e); // allOf may complete before the per-future callbacks run
            }
        });
        return firstFailure;
    }
}
