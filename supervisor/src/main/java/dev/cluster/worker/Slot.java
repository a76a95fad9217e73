package dev.cluster.worker;

import dev.cluster.metrics.WorkerTelemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A worker slot: worker {@code id} of an app, which outlives its processes. It keeps the restart
 * count, the telemetry history and (in {@link SlotSockets}) the listening socket; each process in
 * it is an {@link Attempt}. Every change of state goes through {@link #change}, which checks the
 * table in {@link SlotState} and logs it with its reason.
 * <p>
 * Besides the one {@code serving} it, a slot has the processes of a reload under way (see
 * {@link Replacement}): the new one until it takes over, then the old one as it drains. Every
 * method runs on the loop.
 */
public final class Slot {
    private static final Logger log = LoggerFactory.getLogger(Slot.class);

    private final App app;
    private final int id;
    private final Loop loop;
    private final ProcessStarter starter;
    private final Listener listener;
    private final RestartPolicy policy;
    private final WorkerTelemetry telemetry = new WorkerTelemetry();

    private SlotState state = SlotState.STOPPED;
    private String lastTransition = "created";
    private Attempt serving;
    /** A reload under way, from its new process's start until its old one has exited; else null. */
    private Replacement reload;
    private boolean everLaunched;
    private int restarts;
    private LastExit lastExit = LastExit.NONE;
    /** Whether the process that exited last, the serving one's or a replacement, said its address was taken (at its start or later). */
    private boolean lastExitSaidAddressInUse;
    private Loop.Timer restartTimer;
    private CompletableFuture<Void> online = new CompletableFuture<>();
    private CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);

    /** Told of every state change, after it happened. */
    public interface Listener {
        void changed(Slot slot, SlotState state);
    }

    /** A finished replacement: how long the new process took to be ready, and the old one to drain. */
    public record Replaced(long readyMs, long drainedMs) {
    }

    Slot(App app, int id, Loop loop, ProcessStarter starter, Listener listener) {
        this.app = app;
        this.id = id;
        this.loop = loop;
        this.starter = starter;
        this.listener = listener;
        this.policy = new RestartPolicy(app.spec().restartDelayMs(), app.spec().maxRestarts(), app.spec().minUptimeMs());
    }

    /**
     * A fresh start by the user (start, restart, scale up): the crash-loop count begins again. The
     * future completes when the worker is online, or fails with {@link LaunchFailure}.
     */
    public CompletableFuture<Void> start(String reason) {
        if (state.hasProcess()) {
            return online;
        }
        cancel(restartTimer);
        if (everLaunched) {
            restarts++;
        }
        policy.reset();
        return launch(reason, app.standbys().take(this));
    }

    /**
     * Stops for good: the kernel is steered away from the slot's socket and its queue empties
     * (see {@link SlotSockets#quiesce}), then the process is asked to drain, and killed after the
     * kill timeout. Completes when no process is left.
     */
    public CompletableFuture<Void> stop(String reason) {
        switch (state) {
            case LAUNCHING, ONLINE -> {
                change(SlotState.STOPPING, reason);
                online.completeExceptionally(new LaunchFailure(name() + " was stopped before it was ready (" + reason + ")", ExitOutput.NONE));
                if (replacement() != null) {
                    abandon("stopped with its worker (" + reason + ")", true);
                }
                stopped = new CompletableFuture<>();
                Attempt attempt = serving;
                long killTimeout = app.spec().killTimeoutMs();
                app.sockets().quiesce(this).whenCompleteAsync((drained, failure) -> attempt.stop(killTimeout), loop);
            }
            case EXITED, ERRORED -> {
                cancel(restartTimer);
                change(SlotState.STOPPED, reason);
                app.sockets().close(this);
            }
            case STOPPING, STOPPED -> {
                // on its way down, or down
            }
        }
        return stopped;
    }

    /**
     * The OS's figures for the serving process, sampled every second, into its telemetry. When it
     * turns paused (SIGSTOP, a debugger: it accepts nothing; see {@link WorkerTelemetry#paused}),
     * new connections go to the app's other workers (where they can be steered: {@link SlotSockets#whileDown}) until it runs again;
     * what was queued waits for it. Only a slot that serves alone is steered here: a stop, a reload
     * or a crash routes its own way.
     */
    public void sampled(double cpuPercent, long rssBytes, int threads, long cpuTimeMs, boolean stopped) {
        boolean was = telemetry.paused();
        telemetry.onProcessSample(cpuPercent, rssBytes, threads, cpuTimeMs, stopped);
        if (telemetry.paused() == was || state != SlotState.ONLINE || reload != null) {
            return;
        }
        if (was) {
            log.info("{} (pid {}) runs again: new connections go to it again", name(), serving.pid());
            app.sockets().serving(this);
        } else {
            app.sockets().down(this);
            log.warn("{} (pid {}) is stopped (SIGSTOP, or a debugger): {} until it runs again", name(), serving.pid(), app.sockets().whileDown(this));
        }
    }

    /**
     * A reload of a serving slot: a new process starts beside the serving one; once it is ready it
     * takes over (its socket is steered to, see {@link SlotSockets#promoted}) and the old one drains.
     * Fails, and the old one keeps serving, if the new one exits or is not ready within the listen
     * timeout. Completes when the old process has exited.
     */
    public CompletableFuture<Replaced> replace(String reason) {
        if (state != SlotState.ONLINE || reload != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(name() + " is " + state.label() + ", not serving alone: nothing to replace"));
        }
        long startedNanos = loop.nanoTime();
        WorkerProcess process;
        try {
            process = starter.start(app.spec(), id);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new LaunchFailure(name() + " replacement could not start: " + e.getMessage(), ExitOutput.NONE));
        }
        reload = new Replacement(name(), new Attempt(this, process, loop), startedNanos);
        log.info("{} replacement pid {} launching ({}); pid {} keeps serving", name(), process.pid(), reason, serving.pid());
        return reload.outcome();
    }

    /**
     * Why the serving process looks hung ({@code --hang-timeout}), or null. Its silence is measured
     * on the monotonic clock and counts only while the supervisor itself ran ({@code awakeMs}): after
     * the supervisor was stopped or starved, the reports that queued meanwhile are read first.
     */
    public String hangCause(long awakeMs) {
        Long timeoutMs = app.spec().hangTimeoutMs();
        if (timeoutMs == null || state != SlotState.ONLINE || serving.state() != AttemptState.READY) {
            return null;
        }
        return telemetry.hang(Math.min(serving.silentMs(), awakeMs), timeoutMs);
    }

    /** Whether the hang guard has this slot's worker down: dumped and about to be killed, or killed and not back yet. */
    public boolean downForHang() {
        return serving != null && serving.state() == AttemptState.HUNG || state != SlotState.ONLINE && lastExit.from() == AttemptState.HUNG;
    }

    /**
     * The hang guard's verdict: a thread dump, then SIGKILL, unless the process reported normally
     * meanwhile (checked again just before the kill); its exit is a crash like any other.
     */
    public void hang(String why) {
        if (state == SlotState.ONLINE && serving.state() == AttemptState.READY) {
            log.warn("{} (pid {}) is hung: {}: thread dump to its out log, then SIGKILL", name(), serving.pid(), why);
            Attempt hung = serving;
            Long timeoutMs = app.spec().hangTimeoutMs();
            serving.hang(() -> timeoutMs == null || telemetry.hang(hung.silentMs(), timeoutMs) != null);
        }
    }

    // Events from the attempts.

    void attemptReady(Attempt attempt, String how) {
        starter.workerReady(app.spec());
        if (attempt == serving && state == SlotState.LAUNCHING) {
            change(SlotState.ONLINE, how);
            app.sockets().serving(this);
            online.complete(null);
        } else if (attempt == replacement()) {
            promote(how);
        }
    }

    void attemptNotReadyInTime(Attempt attempt) {
        if (app.spec().servesNoPort()) { // a reload has nothing to wait for
            attempt.assumeReady(Attempt.SERVES_NO_PORT);
        } else if (attempt == replacement()) {
            abandon("not ready within " + app.readiness().describe(app.spec()) + (serving != null && serving.readinessAssumed()
                    ? "; the worker it replaces never showed readiness either: " + App.IF_IT_SERVES_NO_PORT : ""), false);
        } else {
            attempt.assumeReady(app.readiness().describe(app.spec()) + " passed");
        }
    }

    /** The replacement is ready: it serves the slot now, and the old process drains once nothing is queued for it. */
    private void promote(String how) {
        Attempt old = serving;
        serving = reload.promote(old, loop.nanoTime());
        restarts++;
        telemetry.onLaunch(serving.pid(), System.currentTimeMillis());
        lastTransition = "online: pid " + serving.pid() + " took over from pid " + old.pid() + " (" + how + ") at " + now();
        log.info("{} pid {} ready ({}): takes over from pid {}, which drains", name(), serving.pid(), how, old.pid());
        long killTimeout = app.spec().killTimeoutMs();
        app.sockets().promoted(this).whenCompleteAsync((drained, failure) -> old.stop(killTimeout), loop);
    }

    /** A replacement that did not make it: the reload fails and the old process keeps serving. */
    private void abandon(String why, boolean stopped) {
        Replacement ended = endReload(); // ended before the kill: the abandoned process's exit is no longer the reload's
        app.givenUp(ended.incoming().process());
        ended.abandon(why, stopped);
    }

    /** The reload under way, which the slot no longer has from now on. */
    private Replacement endReload() {
        Replacement ended = reload;
        reload = null;
        return ended;
    }

    void attemptExited(Attempt attempt, AttemptState was, int status) {
        String exit = status == Attempt.DYING ? LastExit.DYING : LastExit.words(status, was, starter::oomKillJustNow);
        ExitOutput output = ExitOutput.of(attempt.process().lastErrLines(), attempt.process().lastOutLines());
        boolean saidAddressInUse = attempt.process().saidAddressInUse();
        boolean bindFailure = was == AttemptState.LAUNCHING && saidAddressInUse;
        if (attempt == replacement()) {
            lastExitSaidAddressInUse = saidAddressInUse;
            endReload().exitedBeforeReady(exit, output, serving);
        } else if (reload != null && attempt == reload.retiring()) {
            endReload().retired(loop.nanoTime());
        } else if (attempt == serving) {
            serving = null;
            lastExit = new LastExit(exit + " at " + now() + " after " + attempt.uptimeMs() + " ms", attempt.pid(), output, was);
            lastExitSaidAddressInUse = saidAddressInUse;
            if (state == SlotState.STOPPING) {
                change(SlotState.STOPPED, lastExit.text());
                app.sockets().close(this);
                stopped.complete(null);
            } else {
                crashed(attempt, was, exit, bindFailure);
            }
        }
        // else: an abandoned replacement, already accounted for
    }

    /**
     * A process whose exit was handled as its death watch fired is reaped: its exit status, and the
     * last lines it wrote, replace what was known then.
     */
    void attemptReaped(Attempt attempt, int status) {
        String words = LastExit.words(status, lastExit.from(), starter::oomKillJustNow);
        lastExit = lastExit.reaped(attempt, words);
        log.info("{} pid {} reaped: {} (handled as it died)", name(), attempt.pid(), words);
    }


    /**
     * The serving process died unasked, or none could be started ({@code attempt} null): restart after the back-off, give up
     * on a crash loop, or leave it stopped (--autorestart off).
     */
    private void crashed(Attempt attempt, AttemptState was, String exit, boolean bindFailure) {
        // A start that fails at bind is unstable however long it took (slow starters bind late).
        RestartPolicy.Decision decision = app.spec().restartsOnExit()
                ? policy.afterCrash(attempt == null ? 0 : attempt.uptimeMs(), was != AttemptState.LAUNCHING, bindFailure) : null;
        Standby standby = decision != null && !decision.errored() && decision.delayMs() == 0 ? app.standbys().take(this) : null; // first
        app.sockets().down(this);
        if (replacement() != null) {
            abandon("given up as its worker crashed meanwhile (" + exit + ")", false);
        }
        boolean wasLaunching = state == SlotState.LAUNCHING;
        String next;
        if (decision == null) {
            next = "not restarted: --autorestart off";
            change(SlotState.STOPPED, lastExit.text() + "; " + next);
            app.sockets().close(this);
        } else if (decision.errored()) {
            next = "errored after " + decision.unstableRestarts() + " restarts that each lived under " + app.spec().minUptimeMs() + " ms";
            change(SlotState.ERRORED, lastExit.text() + "; " + next + ": crash loop, giving up");
            app.sockets().close(this);
        } else {
            next = decision.delayMs() == 0 ? "restarting at once" : "restarting in " + decision.delayMs() + " ms";
            change(SlotState.EXITED, lastExit.text() + "; " + next);
        }
        if (wasLaunching) {
            online.completeExceptionally(new LaunchFailure(name() + " " + exit + (attempt == null ? "" : " before it was ready") + " (" + next
                    + "; see 'cluster describe " + app.name() + "')", lastExit.output()));
        }
        if (decision == null || decision.errored()) {
            return;
        }
        if (decision.delayMs() == 0) {
            restartAfterCrash(standby); // it had served: now, not a turn of the loop later
        } else {
            restartTimer = loop.schedule(() -> restartAfterCrash(null), decision.delayMs()); // a standby is not for a crash loop
        }
    }

    private void restartAfterCrash(Standby standby) {
        if (state == SlotState.EXITED) {
            restarts++;
            launch("restart " + restarts + " after crash", standby);
        } else if (standby != null) {
            app.standbys().stop(standby); // the slot was stopped as it crashed (by a caller told of its exit): its socket must not be served
        }
    }

    /** A new process for the slot: {@code standby} taking it over, else (null) a fresh start. */
    private CompletableFuture<Void> launch(String reason, Standby standby) {
        if (online.isDone()) {
            online = new CompletableFuture<>();
        }
        if (standby != null) {
            everLaunched = true;
            serving = new Attempt(this, standby.process(), loop);
            telemetry.onLaunch(standby.pid(), System.currentTimeMillis());
            change(SlotState.LAUNCHING, reason + ", standby pid " + standby.pid() + " takes over");
            try {
                standby.takeOver(this, serving);
                serving.tookOver();
            } catch (IOException e) {
                log.warn("{}: standby pid {} cannot take over ({}): it is stopped, and the slot restarts as after a crash", name(), standby.pid(),
                        e.getMessage());
                standby.process().kill();
            }
            return online;
        }
        WorkerProcess process;
        try {
            process = starter.start(app.spec(), id);
        } catch (IOException e) {
            // Often passing (a directory swapped by a deploy, fork refused under a process limit): retried as a crash at start is.
            String exit = "could not start: " + e.getMessage();
            lastExit = new LastExit(exit + " at " + now(), 0, ExitOutput.NONE, AttemptState.LAUNCHING);
            lastExitSaidAddressInUse = false;
            change(SlotState.LAUNCHING, reason + ", no process");
            crashed(null, AttemptState.LAUNCHING, exit, false);
            return online;
        }
        everLaunched = true;
        serving = new Attempt(this, process, loop);
        telemetry.onLaunch(process.pid(), System.currentTimeMillis());
        change(SlotState.LAUNCHING, reason + ", pid " + process.pid());
        return online;
    }

    /** The one place a slot's state changes. */
    private void change(SlotState next, String reason) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException(name() + ": illegal transition " + state.label() + " -> " + next.label() + " (" + reason + ")");
        }
        lastTransition = state.label() + " -> " + next.label() + " (" + reason + ") at " + now();
        log.info("{} {} -> {} ({})", name(), state.label(), next.label(), reason);
        state = next;
        listener.changed(this, next);
    }

    // What the views and the supervisor read.

    public App app() {
        return app;
    }

    public int id() {
        return id;
    }

    public String name() {
        return app.name() + ":" + id;
    }

    public SlotState state() {
        return state;
    }

    /** The process serving the slot (or starting to), or null. */
    public Attempt serving() {
        return serving;
    }

    /** A reload's new process until it takes over, or null. */
    public Attempt replacement() {
        return reload == null ? null : reload.incoming();
    }

    /** The serving process's pid while it may run, else null. */
    public Long pid() {
        return serving != null && state.hasProcess() ? serving.pid() : null;
    }

    public long uptimeMs() {
        return pid() != null ? serving.uptimeMs() : 0;
    }

    public int restarts() {
        return restarts;
    }

    public String lastExit() {
        return lastExit.text();
    }

    public ExitOutput lastExitOutput() {
        return lastExit.output();
    }

    /** Whether the process that exited last said its address was taken (see {@link dev.cluster.reload.SharingProbe}). */
    public boolean lastExitSaidAddressInUse() {
        return lastExitSaidAddressInUse;
    }

    public String lastTransition() {
        return lastTransition;
    }

    /** What the slot's processes reported, and what the OS says of them: one history across attempts. */
    public WorkerTelemetry telemetry() {
        return telemetry;
    }

    /** Every process of this slot that may run: serving, replacement, retiring. */
    public Stream<Attempt> attempts() {
        return Stream.of(serving, replacement(), reload == null ? null : reload.retiring()).filter(a -> a != null && a.state() != AttemptState.EXITED);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    private static void cancel(Loop.Timer timer) {
        if (timer != null) {
            timer.cancel();
        }
    }
}
