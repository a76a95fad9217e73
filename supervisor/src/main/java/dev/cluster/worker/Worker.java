package dev.cluster.worker;

import dev.cluster.logs.LogFiles;
import dev.cluster.logs.WorkerOutput;
import dev.cluster.metrics.WorkerTelemetry;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.telemetry.LagHistograms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One worker slot of an app: worker id {@code id} keeps its identity across restarts while the
 * process behind it changes. Every method runs on the supervisor's loop thread, so no locking;
 * every state change goes through {@link #transition}, which logs it with its reason.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    static final long READINESS_POLL_MS = 100;
    /** Lines of each stream remembered for the exit cause ({@code describe}, a failed start or reload). */
    static final int OUTPUT_TAIL_LINES = 20;
    private static final long OUTPUT_DRAIN_MS = 1_000;

    private final String app;
    private final int id;
    private final Supplier<AppSpec> spec;
    private final WorkerLauncher launcher;
    private final LogFiles logs;
    private final ScheduledExecutorService loop;
    private final RestartPolicy policy;
    private final StateListener stateListener;

    private WorkerState state = WorkerState.STOPPED;
    /**
     * A reload's replacement until it is online: if it exits or is not ready within the listen
     * timeout, it is abandoned (no restart) and the worker it was to replace keeps serving.
     */
    private boolean trial;
    private String lastTransition = "created";
    private Process process;
    private WorkerOutput output;
    private long launchedAtNanos;
    private int restarts;
    private String lastExit;
    private ExitOutput lastExitOutput = ExitOutput.NONE;
    /** The process that exited last never got ready and said its address was taken. */
    private boolean lastExitWasBindFailure;
    /** Set once the process said hello: how to ask it to drain over the worker socket. */
    private Runnable drainRequest;
    private ScheduledFuture<?> readinessTimer;
    private ScheduledFuture<?> restartTimer;
    private ScheduledFuture<?> killTimer;
    private CompletableFuture<Void> online = new CompletableFuture<>();
    private CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);
    private final WorkerTelemetry telemetry = new WorkerTelemetry();

    /** Told of every state change, after it happened. */
    public interface StateListener {
        void changed(Worker worker, WorkerState state);
    }

    public Worker(String app, int id, Supplier<AppSpec> spec, WorkerLauncher launcher, LogFiles logs,
                  ScheduledExecutorService loop, StateListener stateListener) {
        this.app = app;
        this.id = id;
        this.spec = spec;
        this.launcher = launcher;
        this.logs = logs;
        this.loop = loop;
        this.stateListener = stateListener;
        AppSpec s = spec.get();
        this.policy = new RestartPolicy(s.restartDelayMs(), s.maxRestarts(), s.minUptimeMs());
    }

    public String app() {
        return app;
    }

    public int id() {
        return id;
    }

    public WorkerState state() {
        return state;
    }

    public Long pid() {
        return process != null && state.hasProcess() ? process.pid() : null;
    }

    /**
     * A fresh start by the user (start, restart): the crash-loop count begins again. The future
     * completes when the worker is online; it fails with {@link LaunchFailure} if the process exits
     * first or the worker is stopped before it got there.
     */
    public CompletableFuture<Void> start(String reason) {
        if (process != null) {
            restarts++;
        }
        policy.reset();
        return launch(reason);
    }

    /**
     * Starts this worker as the replacement of {@code replaced} in a reload: it carries on its
     * restart count, and is abandoned instead of restarted if it fails before it is online.
     */
    public CompletableFuture<Void> startReplacing(Worker replaced, String reason) {
        trial = true;
        restarts = replaced.restarts + 1;
        return launch(reason);
    }

    private CompletableFuture<Void> launch(String reason) {
        AppSpec s = spec.get();
        if (online.isDone()) {
            online = new CompletableFuture<>();
        }
        drainRequest = null;
        telemetry.onLaunch();
        try {
            WorkerLauncher.Started started = launcher.start(s, id, OUTPUT_TAIL_LINES);
            process = started.process();
            output = started.output();
        } catch (IOException e) {
            lastExit = "could not start: " + e.getMessage();
            transition(WorkerState.ERRORED, lastExit);
            online.completeExceptionally(new LaunchFailure(name() + " " + lastExit, ExitOutput.NONE));
            return online;
        }
        launchedAtNanos = System.nanoTime();
        transition(WorkerState.LAUNCHING, reason + ", pid " + process.pid());
        Process launched = process;
        WorkerOutput launchedOutput = output;
        // The exit is handled once the pipes are read to their end too, so the last stderr lines are
        // known; a child the worker left running may hold them open, hence the bound.
        launched.onExit()
                .thenCompose(exited -> launchedOutput.closed().copy().completeOnTimeout(null, OUTPUT_DRAIN_MS, TimeUnit.MILLISECONDS))
                .thenRunAsync(() -> onExit(launched), loop);
        readinessTimer = loop.scheduleWithFixedDelay(this::checkReadiness, READINESS_POLL_MS, READINESS_POLL_MS, TimeUnit.MILLISECONDS);
        return online;
    }

    /** The process introduced itself on the worker socket: from now on it must say ready itself. */
    public void onHello(Runnable drainRequest) {
        this.drainRequest = drainRequest;
        telemetry.onHello(false);
    }

    /** The telemetry agent of an app without the library introduced itself: readiness stays with the port. */
    public void onAgentHello() {
        telemetry.onHello(true);
    }

    /** What the process reported about itself and what the OS says about it. */
    public WorkerTelemetry telemetry() {
        return telemetry;
    }

    public void onReady() {
        if (state == WorkerState.LAUNCHING) {
            becomeOnline("ready over the worker socket");
        }
    }

    /** The connection that said hello with {@code drainRequest} closed; a newer process's connection stays. */
    public void onSocketClosed(Runnable drainRequest) {
        if (this.drainRequest == drainRequest) {
            this.drainRequest = null;
        }
    }

    private void checkReadiness() {
        if (state != WorkerState.LAUNCHING) {
            cancel(readinessTimer);
            return;
        }
        AppSpec s = spec.get();
        if (drainRequest == null && PortListeners.listens(process.pid(), s.port())) {
            becomeOnline("listening on port " + s.port());
        } else if (uptimeMs() >= s.listenTimeoutMs()) {
            if (trial) {
                abandon("not ready within the listen timeout of " + s.listenTimeoutMs() + " ms");
            } else {
                becomeOnline("listen timeout of " + s.listenTimeoutMs() + " ms passed");
            }
        }
    }

    /** A replacement that did not make it: killed at once, its reload fails, the old worker stays. */
    private void abandon(String why) {
        cancel(readinessTimer);
        transition(WorkerState.STOPPING, "replacement abandoned: " + why);
        stopped = new CompletableFuture<>();
        online.completeExceptionally(new LaunchFailure(name() + " replacement " + why, ExitOutput.of(output.lastErrLines(), output.lastOutLines())));
        process.destroyForcibly();
    }

    private void becomeOnline(String reason) {
        trial = false;
        cancel(readinessTimer);
        transition(WorkerState.ONLINE, reason);
        online.complete(null);
    }

    /**
     * Asks the worker to drain (over the worker socket if it speaks it, else SIGTERM) and kills it
     * after the kill timeout. Completes when no process is left.
     */
    public CompletableFuture<Void> stop(String reason) {
        switch (state) {
            case LAUNCHING, ONLINE -> {
                cancel(readinessTimer);
                transition(WorkerState.STOPPING, reason);
                online.completeExceptionally(new LaunchFailure(name() + " was stopped before it was ready (" + reason + ")", ExitOutput.NONE));
                stopped = new CompletableFuture<>();
                if (drainRequest != null) {
                    drainRequest.run();
                } else {
                    process.destroy();
                }
                Process target = process;
                long timeout = spec.get().killTimeoutMs();
                killTimer = loop.schedule(() -> kill(target, timeout), timeout, TimeUnit.MILLISECONDS);
            }
            case EXITED, ERRORED -> {
                cancel(restartTimer);
                transition(WorkerState.STOPPED, reason);
            }
            case STOPPING, STOPPED -> {
                // already on its way down, or down
            }
        }
        return stopped;
    }

    private void kill(Process target, long timeoutMs) {
        if (target.isAlive()) {
            log.warn("{} did not exit within the kill timeout of {} ms: sending SIGKILL", name(), timeoutMs);
            target.destroyForcibly();
        }
    }

    /** The process ended: either the stop we asked for, or a crash to restart from. */
    private void onExit(Process exited) {
        if (exited != process) {
            return; // a process we already replaced
        }
        long uptime = uptimeMs();
        boolean wasLaunching = state == WorkerState.LAUNCHING;
        lastExit = describeExit(exited.exitValue()) + " at " + now() + " after " + uptime + " ms";
        lastExitOutput = ExitOutput.of(output.lastErrLines(), output.lastOutLines());
        lastExitWasBindFailure = wasLaunching && ExitOutput.saysAddressInUse(output.lastErrLines(), output.lastOutLines());
        cancel(readinessTimer);
        cancel(killTimer);
        drainRequest = null;
        if (state == WorkerState.STOPPING) {
            transition(WorkerState.STOPPED, lastExit);
            stopped.complete(null);
            return;
        }
        if (trial) {
            transition(WorkerState.ERRORED, lastExit + "; replacement abandoned, the worker it was to replace keeps serving");
            online.completeExceptionally(new LaunchFailure(name() + " replacement " + describeExit(exited.exitValue())
                    + " before it was ready", lastExitOutput));
            return;
        }
        // A start that fails at bind is unstable however long it took (slow starters bind late).
        RestartPolicy.Decision decision = policy.afterCrash(uptime, lastExitWasBindFailure);
        String next;
        if (decision.errored()) {
            next = "errored after " + decision.unstableRestarts() + " restarts that each lived under "
                    + spec.get().minUptimeMs() + " ms";
            transition(WorkerState.ERRORED, lastExit + "; " + next + ": crash loop, giving up");
        } else {
            next = "restarting in " + decision.delayMs() + " ms";
            transition(WorkerState.EXITED, lastExit + "; " + next);
            restartTimer = loop.schedule(this::restartAfterCrash, decision.delayMs(), TimeUnit.MILLISECONDS);
        }
        if (wasLaunching) {
            online.completeExceptionally(new LaunchFailure(name() + " " + describeExit(exited.exitValue())
                    + " before it was ready (" + next + "; see 'cluster describe " + app + "')", lastExitOutput));
        }
    }

    private void restartAfterCrash() {
        if (state == WorkerState.EXITED) {
            restarts++;
            launch("restart " + restarts + " after crash");
        }
    }

    /** The one place a worker's state changes. */
    void transition(WorkerState next, String reason) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException(name() + ": illegal transition " + state.label() + " -> " + next.label() + " (" + reason + ")");
        }
        lastTransition = state.label() + " -> " + next.label() + " (" + reason + ") at " + now();
        log.info("{} {} -> {} ({})", name(), state.label(), next.label(), reason);
        state = next;
        stateListener.changed(this, next);
    }

    /** Whether the process that exited last failed at start-up because its address was taken. */
    public boolean lastExitWasBindFailure() {
        return lastExitWasBindFailure;
    }

    public long uptimeMs() {
        return state.hasProcess() ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchedAtNanos) : 0;
    }

    public String name() {
        return app + ":" + id;
    }

    /** How much of a worker an answer shows. */
    private enum Detail { LIST, WATCH, WATCH_WITH_HISTORY, DESCRIBE }

    /** Seconds of series a monit gets when it connects: what its sparklines hold. */
    private static final int WATCH_HISTORY_POINTS = 300;

    /** As {@code list} shows it: state, resources and lag over the last 10 s. */
    public WorkerInfo info() {
        return info(Detail.LIST);
    }

    /** As a {@code watch} frame shows it: also the last exit and a glance at the telemetry (with its recent series for the first frame). */
    public WorkerInfo glance(boolean withHistory) {
        return info(withHistory ? Detail.WATCH_WITH_HISTORY : Detail.WATCH);
    }

    /** As {@code describe} shows it: also the last exit, logs and full telemetry. */
    public WorkerInfo details() {
        return info(Detail.DESCRIBE);
    }

    private WorkerInfo info(Detail detail) {
        long now = System.currentTimeMillis();
        boolean running = pid() != null;
        // A worker without a process has no current lag: its last figures would read as a live problem.
        LagSummary lag = running ? LagHistograms.summary(telemetry.recentLag(now)) : LagHistograms.summary(LagHistograms.create());
        boolean lagOver = lag.samples() > 0 && lag.p99Ms() > spec.get().lagThresholdMs();
        boolean details = detail == Detail.DESCRIBE;
        return new WorkerInfo(app, id, pid(), state.label(), restarts, uptimeMs(), spec.get().port(),
                running ? telemetry.cpuPercent() : null, running ? telemetry.rssBytes() : null,
                running ? telemetry.heapUsedBytes() : null, lag, lagOver,
                detail != Detail.LIST ? lastExit : null, details ? lastTransition : null,
                details ? lastExitOutput.lines() : null, details ? lastExitOutput.stream() : null,
                details ? logs.file(spec.get(), id, false).toString() : null, details ? logs.file(spec.get(), id, true).toString() : null,
                switch (detail) {
                    case LIST -> null;
                    case WATCH -> telemetry.glance(0);
                    case WATCH_WITH_HISTORY -> telemetry.glance(WATCH_HISTORY_POINTS);
                    case DESCRIBE -> telemetry.details(now);
                });
    }

    /** Java reports death by signal N as 128 + N. */
    static String describeExit(int status) {
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            return "killed by signal " + signal + signalName(signal);
        }
        return "exited with code " + status;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> " (SIGHUP)";
            case 2 -> " (SIGINT)";
            case 6 -> " (SIGABRT)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }

    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** Why a worker did not come online, with what it said last. */
    public static final class LaunchFailure extends RuntimeException {
        private final ExitOutput output;

        public LaunchFailure(String message, ExitOutput output) {
            super(message + ("stdout".equals(output.stream()) && !output.lines().isEmpty() ? "; its last lines on stdout:" : ""), null, false, false);
            this.output = output;
        }

        public ExitOutput output() {
            return output;
        }
    }
}
