package dev.cluster.telemetry;

import dev.cluster.protocol.TelemetryReport;
import dev.cluster.telemetry.LagHistograms;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The lag probe of one event loop (Netty's, or an XNIO I/O thread: {@link EventLoop}): a task the loop runs every
 * {@link Telemetry#PROBE_INTERVAL_NS}, recording how late it started. It names no framework's type: the agent, whose
 * class loader cannot see an app's classes, watches the loops of unmodified apps with it, as the library does those it
 * is given.
 */
public final class LoopProbe implements Runnable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /**
     * Threads held on purpose ({@link #heldOnPurpose}): true while held, false once released until the loop's probe has
     * run. Seen: a standby of a Netty app reported "blocked 7974 ms at NativeSockets.receive" as it took over.
     */
    private static final Map<Thread, Boolean> HELD = new ConcurrentHashMap<>();
    private final EventLoop loop;
    /** Set as the probe sees its loop shutting down: it is no longer watched nor reported. */
    private volatile boolean ended;
    private final Telemetry telemetry;
    private final Recorder lag = LagHistograms.recorder();
    private Histogram spare;
    private volatile String name;
    private volatile Thread thread;
    private volatile long dueNanos;
    // Touched by the loop thread only.
    private long lastRunNanos;
    /** The loop thread's CPU time at the probe's last run; also read by the watchdog. */
    private volatile long lastCpuNanos;
    /** The loop thread's wait for a processor, opened on its first run; and that wait's total at the last run (-1: unknown). */
    private volatile CpuWait cpuWait;
    private long lastWaitNanos = -1;
    /** The stall the watchdog is looking at, with the stack it caught; guarded by this. */
    private Stall stall;

    /** {@code paused}: the whole JVM was, for most of it (then no stack: the one caught after would be wherever the loop stood). */
    private record Stall(long dueNanos, long startedAtEpochMs, StackTraceElement[] stack, boolean paused) {
    }

    private LoopProbe(EventLoop loop, String name, Telemetry telemetry) {
        this.loop = loop;
        this.name = name;
        this.telemetry = telemetry;
    }

    /** Puts a probe on every loop of a Netty event loop group (an {@code EventExecutorGroup}), once per loop. */
    public static void monitor(Iterable<? extends ScheduledExecutorService> group, Telemetry telemetry) {
        List<Object> loops = new ArrayList<>();
        group.forEach(loops::add);
        monitorLoops(loops, telemetry);
    }

    /**
     * Puts a probe on each of {@code loops} that is an event loop we know (Netty's, or an XNIO I/O thread), once per
     * loop; each is named {@code loop-N} until its probe first runs on its thread.
     */
    public static void monitorLoops(List<?> loops, Telemetry telemetry) {
        int n = 0;
        for (Object candidate : loops) {
            EventLoop known = loop(candidate);
            LoopProbe probe = known == null ? null : new LoopProbe(known, "loop-" + n++, telemetry);
            if (probe != null && telemetry.add(probe)) {
                probe.schedule();
            }
        }
    }

    /** A Netty loop or an XNIO I/O thread as an {@link EventLoop}; null for anything else. */
    private static EventLoop loop(Object candidate) {
        return candidate instanceof ScheduledExecutorService netty ? EventLoop.netty(netty) : EventLoop.xnio(candidate);
    }

    /**
     * Puts a probe on the loop whose thread calls this, as it starts running the loop (nothing if it is not one we
     * know): known from now, a stall of the loop's very first task is caught with its stack (the first probe would run
     * after that task).
     */
    public static void monitorThisThread(Object candidate, Telemetry telemetry) {
        EventLoop loop = loop(candidate);
        if (loop == null) {
            return;
        }
        LoopProbe probe = new LoopProbe(loop, Thread.currentThread().getName(), telemetry);
        probe.lastRunNanos = System.nanoTime();
        probe.lastCpuNanos = THREADS.getCurrentThreadCpuTime();
        probe.thread = Thread.currentThread();
        if (telemetry.add(probe)) {
            probe.schedule();
        }
    }

    /**
     * The calling thread waits on purpose (a standby's bind, held until it takes a slot over), or its wait has ended:
     * if it runs a loop, that wait is neither a stall nor lag.
     */
    public static void heldOnPurpose(boolean holding) {
        HELD.put(Thread.currentThread(), holding);
    }

    private boolean held() {
        Thread t = thread;
        return t != null && HELD.get(t) == Boolean.TRUE;
    }

    /** The loop probed (one probe per loop). */
    Object loop() {
        return loop.identity();
    }

    /** Whether the loop is no longer watched: it began to shut down (seen by the probe), or it has. */
    boolean ended() {
        return ended || loop.stopped();
    }

    /** Once {@link #ended}: its file closed (a read after it is an unknown wait). */
    void close() {
        CpuWait file = cpuWait;
        if (file != null) {
            file.close();
        }
    }

    private void schedule() {
        // A loop that is shutting down must see no new tasks, or its quiet period never ends.
        if (loop.shuttingDown()) {
            ended = true; // the next report drops it
            return;
        }
        dueNanos = System.nanoTime() + Telemetry.PROBE_INTERVAL_NS;
        try {
            loop.schedule(this, Telemetry.PROBE_INTERVAL_NS);
        } catch (RejectedExecutionException e) {
            ended = true; // the loop stopped
        }
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        if (thread == null) {
            thread = Thread.currentThread();
            name = thread.getName();
        }
        if (cpuWait == null) {
            cpuWait = CpuWait.ofCurrentThread();
        }
        long waitedTotal = cpuWait.nanos();
        if (!HELD.isEmpty() && HELD.remove(thread) != null) {
            // The interval since the last run was a wait on purpose: not measured.
            synchronized (this) {
                stall = null;
            }
        } else {
            measure(now, cpu, waitedTotal);
        }
        lastRunNanos = now;
        lastCpuNanos = cpu;
        lastWaitNanos = waitedTotal;
        schedule();
    }

    /** Records how late this run came since the last, and reports the stall it ends, if it ends one. */
    private void measure(long now, long cpu, long waitedTotal) {
        long due = dueNanos;
        long late = Math.max(0, now - due);
        if (late > Telemetry.PROBE_INTERVAL_NS && lastRunNanos != 0 && cpu >= 0) {
            // A late probe saw only the part of the stall after its due time. If the loop was busy
            // (on CPU) before that too, the thread's CPU time since the previous probe, bounded by
            // the wall time since, gives the stall in full: a 200 ms block reads 200, not 190-200.
            late = Math.max(late, Math.min(now - lastRunNanos, cpu - lastCpuNanos));
        }
        lag.recordValueWithExpectedInterval(LagHistograms.clampUs(late / 1_000), Telemetry.PROBE_INTERVAL_NS / 1_000);
        Stall caught;
        synchronized (this) {
            caught = stall;
            stall = null;
        }
        if (late >= telemetry.blockThresholdNs()) {
            boolean sameStall = caught != null && caught.dueNanos == due;
            // Not looked at: if the watchdog was held as long, the whole JVM was (it runs before the loop or after, by chance).
            boolean paused = sameStall ? caught.paused : pausedFor(late, telemetry.watchdogOverdueNs(now), cpu >= 0 ? cpu - lastCpuNanos : 0);
            // The part of it the thread was ready to run and no processor took it: other processes held it off.
            long waited = waitedTotal >= 0 && lastWaitNanos >= 0 ? Math.min(late, waitedTotal - lastWaitNanos) : 0;
            telemetry.stallEnded(name, late, sameStall ? caught.startedAtEpochMs
                    : System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(late), sameStall ? caught.stack : null, paused, waited);
        }
    }

    /**
     * Watchdog, on its own thread: catches the stack of a loop overdue beyond the threshold, once per
     * stall. Returns when to look again: when this loop would cross the threshold if its next probe
     * does not run, so a healthy cluster costs the watchdog a few wake-ups a second, not a hundred.
     */
    long watch(long now, long selfLateNs) {
        Thread t = thread;
        long due = dueNanos;
        long crossing = due + telemetry.blockThresholdNs();
        if (t == null || held()) {
            return now + telemetry.blockThresholdNs();
        }
        if (now < crossing) {
            return crossing;
        }
        Stall seen;
        synchronized (this) {
            seen = stall != null && stall.dueNanos == due ? stall : null;
        }
        if (seen != null && !seen.paused) {
            return now + telemetry.blockThresholdNs(); // caught already; the probe reports it when it runs
        }
        // Looked at again a threshold after a pause: a loop still stuck then is held by its code.
        long cpu = THREADS.getThreadCpuTime(t.getId());
        boolean paused = pausedFor(now - due, selfLateNs, cpu < 0 ? 0 : cpu - lastCpuNanos);
        StackTraceElement[] stack = paused ? null : t.getStackTrace();
        synchronized (this) {
            // Still stuck in the same stall, and not yet in this probe, whose run ends it: the stack is the culprit's.
            if (dueNanos == due && (paused || !inProbe(stack))) {
                stall = new Stall(due, seen != null ? seen.startedAtEpochMs : System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(now - due),
                        stack, paused);
            }
        }
        return now + telemetry.blockThresholdNs();
    }

    /**
     * Whether a loop overdue by {@code overdueNs} was held by a pause of the whole JVM (a stop-the-world collection,
     * SIGSTOP, no CPU for anyone): the watchdog itself woke {@code watchdogLateNs} late, and the loop's thread ran on a
     * processor for {@code loopCpuNs}, each for most of that time. Such a pause stops the loop wherever it stands, and a
     * stack caught after it would blame that code. A loop thread that ran meanwhile was running code: its stack is the culprit's.
     */
    static boolean pausedFor(long overdueNs, long watchdogLateNs, long loopCpuNs) {
        return 2 * watchdogLateNs >= overdueNs && 2 * loopCpuNs < overdueNs;
    }

    /** A stack caught as the probe ran, late (seen on 2 busy cores): its frames are the probe's, not those of what held the loop. */
    static boolean inProbe(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().equals(LoopProbe.class.getName()) && frame.getMethodName().equals("run")) {
                return true;
            }
        }
        return false;
    }

    /** This loop's interval: its summary, and its samples added into {@code merged}. */
    TelemetryReport.LoopReport report(long now, Histogram merged) {
        spare = lag.getIntervalHistogram(spare);
        merged.add(spare);
        long overdue = now - dueNanos;
        long stalledMs = thread != null && overdue >= telemetry.blockThresholdNs() && !held() ? TimeUnit.NANOSECONDS.toMillis(overdue) : 0;
        return new TelemetryReport.LoopReport(name, LagHistograms.summary(spare), loop.pendingTasks(), stalledMs);
    }
}
