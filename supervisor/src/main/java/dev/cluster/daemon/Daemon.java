package dev.cluster.daemon;

import dev.cluster.home.DaemonBuild;
import dev.cluster.home.DaemonCopy;
import dev.cluster.home.Home;
import dev.cluster.home.SafePaths;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The supervisor process: takes the home's lock, binds the control and worker sockets, runs the
 * {@link Supervisor} on a single event-loop thread, and on {@code kill}, SIGTERM or SIGINT stops
 * every worker gracefully, removes its files and returns. The background daemon and
 * {@code cluster run} are both this, with output to the daemon log or to stdout.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    public static final String METRICS_PORT_ENV = "CLUSTER_METRICS_PORT";

    private Daemon() {
    }

    /** Another supervisor holds this home. */
    public static final class AlreadyRunning extends Exception {
        public AlreadyRunning(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Runs until shut down. {@code jar} is the cluster jar it was started from (null if not known),
     * recorded for the CLI (see {@link DaemonBuild}). {@code initial} ({@code start}s, or a
     * {@code resurrect}) is handled once the sockets are up, one request after the other, and
     * {@code onStarted} receives each answer. Under systemd ({@code NOTIFY_SOCKET}), READY=1 follows
     * the last. {@code exitWhenEveryAppErrors} ({@code cluster run}): once every worker is errored, it
     * shuts down. Returns null when it was stopped ({@code kill}, a signal), else why it ended on its own
     * and the fix, one line for an exit code of 1 (a container should fail, as PM2's runtime does, rather
     * than run on serving nothing): {@code initial} started apps and none of them was there after it (a
     * mistyped jar or command), or every app errored.
     */
    public static String run(Home home, Path jar, List<Request> initial, Integer metricsPort, boolean exitWhenEveryAppErrors,
            Consumer<Response> onStarted) throws IOException, AlreadyRunning {
        home.prepare();
        try (FileChannel lockChannel = SafePaths.open(home.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                throw new AlreadyRunning("a supervisor is already running on " + home.dir() + runningPid(home)
                        + ": stop it with 'cluster kill', or set CLUSTER_HOME to run another");
            }
            try {
                DaemonBuild.record(home, jar);
            } catch (IOException e) {
                log.warn("cannot record which cluster jar this supervisor runs in {}: {}; a CLI of a newer build will not say so",
                        home.buildFile(), e.getMessage());
            }
            try {
                DaemonCopy.pruneOthers(home, DaemonCopy.running());
            } catch (IOException e) {
                log.warn("cannot remove the copies of other cluster builds from {}: {}", home.lib(), e.getMessage());
            }
            if (initial.equals(List.of(new Request.Resurrect())) && SavedApps.noneSaved(home.dir())) {
                // The unit that 'cluster startup' writes runs 'run --resurrect' at every boot, the first
                // one before anything was saved: not a failure, so not reported as one.
                log.info("no saved apps in {} yet: the supervisor runs with none; 'cluster start' adds apps (every change is saved)", home.dir());
                initial = List.of();
            }
            return serve(home, initial, metricsPort != null ? metricsPort : metricsPortFromEnvironment(), exitWhenEveryAppErrors, onStarted);
        }
    }

    /** {@code CLUSTER_METRICS_PORT}: how a daemon the CLI starts on first use gets a metrics endpoint. */
    private static Integer metricsPortFromEnvironment() {
        String value = System.getenv(METRICS_PORT_ENV);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            log.warn("{}={} is not a port number: no metrics endpoint", METRICS_PORT_ENV, value);
            return null;
        }
    }

    private static String serve(Home home, List<Request> initial, Integer metricsPort, boolean exitWhenEveryAppErrors,
            Consumer<Response> onStarted) throws IOException {
        // One thread does everything: socket I/O, timers, process exits. Nothing it runs blocks for long.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoop loop = group.next();
        CountDownLatch done = new CountDownLatch(1);
        Supervisor supervisor = new Supervisor(home, loop, done::countDown);
        Channel control = null;
        Channel workers = null;
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment(group);
        try {
            workers = LineServer.bind(group, home.workerSocket(), LineServer.Limits.WORKER, () -> new WorkerHandler(supervisor));
            control = LineServer.bind(group, home.controlSocket(), LineServer.Limits.CONTROL, () -> new ControlHandler(supervisor));
            try (FileChannel pid = SafePaths.open(home.pidFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                pid.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            log.info("supervisor {} (pid {}) listening on {}", Supervisor.VERSION, ProcessHandle.current().pid(), home.controlSocket());
            if (Sighup.ignored()) {
                log.warn("SIGHUP is ignored in this process (started under nohup?): 'kill -HUP' will not reload and workers "
                        + "will not get 'cluster signal HUP'; start it without nohup");
            }
            if (metricsPort != null) {
                loop.execute(() -> {
                    try {
                        supervisor.serveMetrics(metricsPort);
                    } catch (IOException | IllegalArgumentException e) {
                        log.error("cannot serve metrics on 127.0.0.1:{}: {}", metricsPort, e.getMessage());
                    }
                });
            }
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    log.info("SIG{} received", name);
                    loop.execute(() -> {
                        notify(systemd, "STOPPING=1");
                        supervisor.kill(response -> { });
                    });
                });
            }
            // SIGHUP reloads every app without downtime: systemd's ExecReload, or 'kill -HUP' by hand.
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> loop.execute(() -> {
                log.info("SIGHUP received: reloading every app");
                notify(systemd, "RELOADING=1");
                supervisor.handle(Request.Reload.asTheyAre("all"), response -> {
                    if (response.progress() != null) {
                        log.info("reload: {}", response.progress());
                        return;
                    }
                    log.info("SIGHUP reload: {}", response.ok() ? response.message() : response.error());
                    notifyReady(systemd, supervisor);
                });
            }));
            if (systemd != null) {
                String[] lastStatus = {""};
                loop.scheduleAtFixedRate(() -> {
                    systemd.extendWhileBusy();
                    String status = supervisor.status();
                    if (!status.equals(lastStatus[0])) {
                        lastStatus[0] = status;
                        systemd.send("STATUS=" + status);
                    }
                }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
                if (systemd.watchdogIntervalMs() > 0) {
                    // Sent from the supervisor's own loop: if the loop stops turning, systemd stops hearing it.
                    loop.scheduleAtFixedRate(() -> systemd.send("WATCHDOG=1"), 0, systemd.watchdogIntervalMs(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
            boolean startsApps = initial.stream().anyMatch(r -> r instanceof Request.Start);
            String[] ended = {null};
            BiConsumer<String, String> end = (why, fix) -> {
                log.error("{}: the supervisor exits", why);
                ended[0] = why + fix;
                notify(systemd, "STOPPING=1");
                supervisor.kill(response -> { });
            };
            if (exitWhenEveryAppErrors) {
                supervisor.whenEveryAppErrored(apps -> end.accept("every app is errored (" + apps + "), nothing is left to supervise",
                        " (its last lines above say why): exit 1, for systemd or the container to start it afresh; --no-auto-exit runs on instead"));
            }
            loop.execute(() -> handleInOrder(supervisor, initial, onStarted, () -> {
                if (startsApps && supervisor.apps().isEmpty()) {
                    end.accept("nothing to supervise: no app started", " (the 'failed:' line above says why); fix it and run again");
                } else {
                    notifyReady(systemd, supervisor);
                }
            }));
            done.await();
            return ended[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (control != null) {
                control.close().awaitUninterruptibly();
            }
            if (workers != null) {
                workers.close().awaitUninterruptibly();
            }
            supervisor.close();
            if (systemd != null) {
                systemd.close();
            }
            group.shutdownGracefully(0, 200, java.util.concurrent.TimeUnit.MILLISECONDS).awaitUninterruptibly();
            deleteQuietly(home.controlSocket());
            deleteQuietly(home.workerSocket());
            deleteQuietly(home.pidFile());
            log.info("supervisor stopped");
        }
        return null;
    }

    private static void notify(SystemdNotifier systemd, String state) {
        if (systemd != null) {
            systemd.send(state);
        }
    }

    /** Each request once the one before it has answered (its last answer, not a progress line), then {@code then}. */
    private static void handleInOrder(Supervisor supervisor, List<Request> requests, Consumer<Response> answers, Runnable then) {
        if (requests.isEmpty()) {
            then.run();
            return;
        }
        supervisor.handle(requests.get(0), response -> {
            if (response.progress() == null) {
                answers.accept(response);
                handleInOrder(supervisor, requests.subList(1, requests.size()), answers, then);
            }
        });
    }

    /** READY=1 with the worker count: after start-up, and again after a SIGHUP reload. */
    private static void notifyReady(SystemdNotifier systemd, Supervisor supervisor) {
        notify(systemd, "READY=1\nSTATUS=" + supervisor.status());
    }

    private static String runningPid(Home home) {
        try {
            try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(SafePaths.open(home.pidFile(), StandardOpenOption.READ))) {
                return " (pid " + new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim() + ")";
            }
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", path, e.getMessage());
        }
    }
}
