package dev.cluster.worker;

import dev.cluster.config.Durations;
import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.TelemetryReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;

/**
 * One process in a worker slot: started, ready, stopped or crashed, and gone. A slot's start, each
 * restart after a crash, a reload's replacement and a memory replacement are each a new attempt
 * in the same slot; what outlives them (the id, the restart count, the telemetry history, the
 * listening socket) is the {@link Slot}'s. An attempt only watches its process and tells its slot
 * what happened; the slot decides what that means.
 */
public final class Attempt {
    private static final Logger log = LoggerFactory.getLogger(Attempt.class);
    static final long READINESS_POLL_MS = 100;
    /** Why a worker of an app that serves no port counts as ready: at its first look, or as it ends before then. */
    static final String SERVES_NO_PORT = "--listen-timeout 0: it serves no port";
    /** How often one counted ready without showing it is looked at again (see {@link #checkLateReadiness}). */
    static final long LATE_READINESS_POLL_MS = 1_000;
    /** Between SIGQUIT and SIGKILL for a hung worker: a JVM writes its thread dump in milliseconds, a big one in a second. */
    static final long THREAD_DUMP_GRACE_MS = 1_500;
    /** The status of an exit handled as its death watch fired, before it was reaped (see {@link #dying()}). */
    static final int DYING = -1;

    private final Slot slot;
    private final WorkerProcess process;
    private final Loop loop;
    private final long launchedAtNanos;
    /** When its newest telemetry report arrived (monotonic); -1 before the first. */
    private long lastReportNanos = -1;
    private AttemptState state = AttemptState.LAUNCHING;
    /** Set by the library's hello: how to ask this process to drain over the worker socket. It then says ready itself. */
    private Runnable drainRequest;
    /** The child JVM that reports for it, when that is not the started process; else 0. */
    private long appPid;
    private Loop.Timer readinessTimer;
    private Loop.Timer killTimer;
    /** Its exit was handled when its death watch fired; the reap only brings the status. */
    private boolean exitedEarly;
    /** A standby that took the slot over: started beside the serving workers, and waited. */
    private boolean wasStandby;
    /** It asked for its slot's socket and was handed it (the library, the agent), or was a standby that took over. */
    private boolean tookSocket;
    /** Counted ready when its time to show readiness ran out: it neither said ready nor listened. */
    private boolean readinessAssumed;

    Attempt(Slot slot, WorkerProcess process, Loop loop) {
        this.slot = slot;
        this.process = process;
        this.loop = loop;
        this.launchedAtNanos = loop.nanoTime();
        process.exited().thenAcceptAsync(this::onExit, loop);
        readinessTimer = loop.schedule(this::checkReadiness, READINESS_POLL_MS);
    }

    public Slot slot() {
        return slot;
    }

    public long pid() {
        return process.pid();
    }

    public AttemptState state() {
        return state;
    }

    /** Whether it counts as ready only because its time ran out (it neither said ready nor listened). */
    public boolean readinessAssumed() {
        return readinessAssumed;
    }

    /** Whether it was a standby that took the slot over. */
    public boolean wasStandby() {
        return wasStandby;
    }

    /** Whether it serves the slot's socket from the supervisor: its app waits for one, so its standbys can too. */
    public boolean tookSocket() {
        return tookSocket;
    }

    /** It was handed its slot's socket, as it asked. */
    public void handedSocket() {
        if (!tookSocket) {
            tookSocket = true;
            slot.app().standbys().socketTaken();
        }
    }

    public WorkerProcess process() {
        return process;
    }

    public long uptimeMs() {
        return (loop.nanoTime() - launchedAtNanos) / 1_000_000;
    }

    /** A telemetry report from this process: it counts for the slot's history if this process is the one serving. */
    public void report(TelemetryReport report, long nowMs) {
        lastReportNanos = loop.nanoTime();
        if (slot.serving() == this) {
            slot.telemetry().onReport(report, nowMs);
        }
    }

    /** A stall this process reported, kept if it is the one serving. */
    public void blocked(BlockedReport report) {
        if (slot.serving() == this) {
            slot.telemetry().onBlocked(report);
        }
    }

    /** How long since its newest report (since its launch before the first), on the monotonic clock. */
    long silentMs() {
        return (loop.nanoTime() - (lastReportNanos < 0 ? launchedAtNanos : lastReportNanos)) / 1_000_000;
    }

    /**
     * The JVM that reports for it is a child of the started process, in its group: a script that runs java without exec.
     * Sampling and signals ({@code cluster signal}, the hang guard's thread dump) go to it; a stop still ends the script.
     * (A script's server found listening is taken as the app's process the same way, in {@link #checkReadiness}.)
     */
    public void reportsFrom(long jvm) {
        appPid = jvm;
    }

    /** The process the app runs in: the started one, or the child that reports for it (see {@link #reportsFrom}). */
    public long appPid() {
        return appPid != 0 ? appPid : pid();
    }

    /** {@code cluster signal}: completes when delivered. */
    public java.util.concurrent.CompletableFuture<Void> signal(String name) {
        return appPid != 0 ? Signals.send(appPid, name) : process.signal(name);
    }

    /** The library said hello: it will say ready itself, and drains when asked over the worker socket. */
    public void onHello(Runnable drainRequest) {
        this.drainRequest = drainRequest;
        slot.telemetry().onHello(false);
    }

    /** The agent of an app without the library said hello: it reports, but readiness stays with the port. */
    public void onAgentHello() {
        slot.telemetry().onHello(true);
    }

    /** The library's connection that said hello with {@code drainRequest} closed. */
    public void onSocketClosed(Runnable drainRequest) {
        if (this.drainRequest == drainRequest) {
            this.drainRequest = null;
        }
    }

    /** The library said ready. */
    public void onReady() {
        if (state == AttemptState.LAUNCHING) {
            slot.app().readiness().started(uptimeMs());
            becomeReady("ready over the worker socket");
        } else if (state == AttemptState.READY && readinessAssumed) {
            readyLate("said ready");
        }
    }

    private void checkReadiness() {
        if (state != AttemptState.LAUNCHING) {
            return;
        }
        if (listening()) {
            slot.app().readiness().started(uptimeMs());
            becomeReady("listening on port " + slot.app().spec().port());
        } else if (uptimeMs() >= slot.app().readiness().waitMs(slot.app().spec())) {
            slot.attemptNotReadyInTime(this);
        } else {
            readinessTimer = loop.schedule(this::checkReadiness, READINESS_POLL_MS);
        }
    }

    /** Whether it listens on the app's port, when that is its readiness (not a library's worker, which says ready). */
    private boolean listening() {
        long listener = drainRequest == null ? process.listenerOn(slot.app().spec().port()) : 0;
        if (listener != 0 && listener != pid()) {
            appPid = listener; // a start script's server: the app's process for list and signals
        }
        return listener != 0;
    }

    /**
     * One counted ready when its allowance ran out may still show readiness later: a Spring Boot start
     * that took 17 s on a loaded machine against the first start's 15 s. Unless learnt, the app's next
     * start (a reload's replacement) would get the same allowance and be abandoned, every time. So it is
     * looked at until it listens (or says ready, {@link #onReady}) or the longest allowance has passed.
     */
    private void checkLateReadiness() {
        if (state != AttemptState.READY || !readinessAssumed) {
            return;
        }
        if (listening()) {
            readyLate("listened on port " + slot.app().spec().port());
        } else if (uptimeMs() < Readiness.CEILING_MS) {
            readinessTimer = loop.schedule(this::checkLateReadiness, LATE_READINESS_POLL_MS);
        }
    }

    private void readyLate(String how) {
        readinessAssumed = false;
        cancel(readinessTimer);
        slot.app().readiness().started(uptimeMs());
        log.info("{} pid {} {} {} after its start, later than its allowance: later starts of {} wait {}", slot.name(), pid(), how,
                Durations.format(uptimeMs()), slot.app().spec().name(), slot.app().readiness().describe(slot.app().spec()));
    }

    /** A standby took over the slot: it has its socket and serves from now on. */
    void tookOver() {
        wasStandby = true;
        tookSocket = true;
        if (state == AttemptState.LAUNCHING) {
            becomeReady("a standby, took over");
        }
    }

    /** Ready without having shown it (the listen timeout passed for a worker that is not a replacement). */
    void assumeReady(String reason) {
        if (state == AttemptState.LAUNCHING) {
            readinessAssumed = true;
            becomeReady(reason);
            if (!slot.app().spec().servesNoPort()) {
                readinessTimer = loop.schedule(this::checkLateReadiness, LATE_READINESS_POLL_MS);
            }
        }
    }

    private void becomeReady(String how) {
        change(AttemptState.READY);
        cancel(readinessTimer);
        process.ready();
        slot.attemptReady(this, how);
    }

    /** Asks the process to drain (over the worker socket if it speaks it, else SIGTERM); SIGKILL after {@code killTimeoutMs}. */
    void stop(long killTimeoutMs) {
        if (state != AttemptState.LAUNCHING && state != AttemptState.READY) {
            return; // stopping, hung or gone already
        }
        change(AttemptState.STOPPING);
        cancel(readinessTimer);
        if (drainRequest != null) {
            drainRequest.run();
        } else {
            process.terminate();
        }
        killTimer = loop.schedule(() -> {
            log.warn("{} pid {} did not exit within the kill timeout of {} ms: sending SIGKILL", slot.name(), pid(), killTimeoutMs);
            process.kill();
        }, killTimeoutMs);
    }

    /** SIGKILL now: a replacement that did not make it, or a process past its kill timeout. */
    void kill() {
        if (state == AttemptState.LAUNCHING || state == AttemptState.READY) {
            change(AttemptState.STOPPING);
            cancel(readinessTimer);
        }
        process.kill();
    }

    /**
     * A hung process: SIGQUIT for its thread dump, then SIGKILL a moment later if {@code stillHung}
     * says so then; its exit is a crash. One that reported normally meanwhile is ready again.
     */
    void hang(BooleanSupplier stillHung) {
        if (state != AttemptState.READY) {
            return;
        }
        change(AttemptState.HUNG);
        signal("QUIT").whenCompleteAsync((sent, failure) -> killTimer = loop.schedule(() -> {
            if (state != AttemptState.HUNG) {
                return;
            }
            if (stillHung.getAsBoolean()) {
                process.kill();
            } else {
                change(AttemptState.READY);
                log.info("{} (pid {}) reported normally after its thread dump: not killed", slot.name(), pid());
            }
        }, THREAD_DUMP_GRACE_MS), loop);
    }

    /**
     * Its process is dying: its death watch fired, 10-40 ms before the kernel has torn a JVM down
     * and its exit is reaped. A serving process's death is handled now, as its exit, so that a
     * standby takes over that much sooner. Any other (being stopped, still starting, a reload's
     * old or new process) waits for its exit: only a crash is worth the hurry.
     */
    public void dying() {
        if ((state == AttemptState.READY || state == AttemptState.HUNG) && slot.serving() == this && slot.state() == SlotState.ONLINE) {
            exitedEarly = true;
            onExit(DYING);
        }
    }

    private void onExit(int status) {
        if (exitedEarly && status != DYING) {
            slot.attemptReaped(this, status);
            return;
        }
        if (state == AttemptState.LAUNCHING && status == 0 && slot.app().spec().servesNoPort()) {
            // A job that serves no port and was done before the first look (README: online at once): it started, then ended.
            assumeReady(SERVES_NO_PORT);
        }
        AttemptState was = state;
        cancel(readinessTimer);
        cancel(killTimer);
        drainRequest = null;
        change(AttemptState.EXITED);
        slot.attemptExited(this, was, status);
    }

    private void change(AttemptState next) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException(slot.name() + " pid " + pid() + ": illegal attempt transition " + state.label() + " -> " + next.label());
        }
        state = next;
    }

    private static void cancel(Loop.Timer timer) {
        if (timer != null) {
            timer.cancel();
        }
    }
}
