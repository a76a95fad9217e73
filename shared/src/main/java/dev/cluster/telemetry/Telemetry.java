package dev.cluster.telemetry;

import dev.cluster.protocol.SupervisorLink;
import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.Env;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.protocol.WorkerMessage;
import dev.cluster.telemetry.LagHistograms;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker's own view of its health, sent to the supervisor once a second: lag of every
 * registered event loop and of a plain timer thread, heap, the live set after GC, GC, threads and pools. A watchdog notices a
 * loop that stopped running its tasks, captures the loop thread's stack while it is still stuck,
 * and reports the stall once, when it ends, with its full duration.
 * <p>
 * Everything runs on daemon threads: telemetry never keeps a JVM alive, and never throws into the app.
 */
public final class Telemetry {
    /** How often each probe runs: the resolution of the lag figures. Node's monitorEventLoopDelay uses the same. */
    static final long PROBE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long JVM_PROBE_INTERVAL_WITH_LOOPS_NS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long DEFAULT_BLOCK_THRESHOLD_MS = 100;
    private static final long REPORT_INTERVAL_MS = 1_000;
    private static final int MAX_STACK_FRAMES = 40;
    private static Telemetry instance;

    private final SupervisorLink link;
    private final long blockThresholdNs;
    /** When the watchdog is next due to look ({@link System#nanoTime}). */
    private volatile long watchdogWake = System.nanoTime();
    private final Recorder jvmLag = LagHistograms.recorder();
    private Histogram jvmSpare;
    private final Histogram loopsMerged = LagHistograms.create();
    private final List<LoopProbe> loops = new CopyOnWriteArrayList<>();
    /** The reporter's thread, which is never an event loop. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> SupervisorLink.daemonThread("cluster-telemetry", r));
    /**
     * Made on the timer's thread before its first report, not on the caller's (often the app's main
     * thread, at its start): the JMX beans they read cost a cold JVM tens of milliseconds. Null if
     * that failed: the reports then go without them.
     */
    private LiveSet liveSet;
    private Pools pools;
    private long lastGcCount;
    private long lastGcPauseMs;

    private Telemetry(SupervisorLink link, long blockThresholdMs) {
        this.link = link;
        this.blockThresholdNs = TimeUnit.MILLISECONDS.toNanos(blockThresholdMs);
    }

    /**
     * Starts reporting over {@code link}, once per process: the agent and the library may both ask.
     * Returns null when telemetry is turned off ({@code CLUSTER_TELEMETRY=off}).
     */
    public static synchronized Telemetry start(SupervisorLink link) {
        if (instance == null && !"off".equals(System.getenv(Env.TELEMETRY))) {
            long threshold = DEFAULT_BLOCK_THRESHOLD_MS;
            try {
                threshold = Long.parseLong(System.getenv().getOrDefault(Env.BLOCK_THRESHOLD_MS, String.valueOf(threshold)));
            } catch (NumberFormatException e) {
                // keep the default
            }
            Telemetry telemetry = new Telemetry(link, Math.max(1, threshold));
            SupervisorLink.daemonThread("cluster-jvm-lag-probe", telemetry::probeJvm).start();
            SupervisorLink.daemonThread("cluster-loop-watchdog", telemetry::watch).start();
            telemetry.timer.execute(telemetry::installJmx);
            telemetry.timer.scheduleAtFixedRate(telemetry::report, REPORT_INTERVAL_MS, REPORT_INTERVAL_MS, TimeUnit.MILLISECONDS);
            instance = telemetry;
        }
        return instance;
    }

    private void installJmx() {
        liveSet = LiveSet.install();
        pools = new Pools();
    }

    public static synchronized Telemetry current() {
        return instance;
    }

    /** Watches the probe's loop unless one already is (the library and the agent may both find it): false then. */
    synchronized boolean add(LoopProbe probe) {
        if (loops.stream().anyMatch(watched -> watched.loop() == probe.loop())) {
            return false;
        }
        return loops.add(probe);
    }

    long blockThresholdNs() {
        return blockThresholdNs;
    }

    /**
     * Like Node's {@code monitorEventLoopDelay}: a thread that only sleeps is late when the JVM
     * could not run it (stop-the-world pauses, CPU starvation), whatever the app is built on.
     */
    private void probeJvm() {
        while (true) {
            // Once event loops are monitored they are the lag figure, at 10 ms; this thread then only
            // tells JVM-wide delays (GC, starvation) from app code, which 100 ms resolves, and it stops
            // taking a core from busy loops 100 times a second.
            long interval = loops.isEmpty() ? PROBE_INTERVAL_NS : JVM_PROBE_INTERVAL_WITH_LOOPS_NS;
            long due = System.nanoTime() + interval;
            LockSupport.parkNanos(interval);
            long late = System.nanoTime() - due;
            jvmLag.recordValueWithExpectedInterval(LagHistograms.clampUs(late / 1_000), interval / 1_000);
        }
    }

    private static long processCpuTimeMs() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            return ns < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(ns);
        }
        return -1;
    }

    /**
     * Sleeps until the first moment a loop could cross the block threshold, then looks. How late it woke itself tells a
     * pause of the whole JVM (a stop-the-world collection, SIGSTOP, no CPU) from a loop held by its code.
     */
    private void watch() {
        while (true) {
            long now = System.nanoTime();
            long selfLate = watchdogOverdueNs(now);
            long next = now + blockThresholdNs;
            for (LoopProbe probe : loops) {
                if (!probe.ended()) {
                    next = Math.min(next, probe.watch(now, selfLate));
                }
            }
            long sleep = Math.max(TimeUnit.MILLISECONDS.toNanos(1), next - now);
            watchdogWake = now + sleep;
            LockSupport.parkNanos(sleep);
        }
    }

    /** How long the watchdog has been due to wake and has not ({@link #watch}): 0 if it is not overdue; also read by the loops' probes. */
    long watchdogOverdueNs(long now) {
        return Math.max(0, now - watchdogWake);
    }

    /** Called on the loop whose stall just ended. */
    void stallEnded(String loop, long durationNs, long startedAtEpochMs, StackTraceElement[] stack, boolean paused, long waitedNs) {
        List<String> frames = new ArrayList<>();
        for (int i = 0; stack != null && i < stack.length && i < MAX_STACK_FRAMES; i++) {
            StackTraceElement f = stack[i];
            // Not StackTraceElement.toString(): its loader and module prefixes ("app//", "java.base/") are noise here.
            frames.add(f.getClassName() + "." + f.getMethodName() + "("
                    + (f.isNativeMethod() ? "Native Method" : f.getFileName() + ":" + f.getLineNumber()) + ")");
        }
        link.send(new WorkerMessage.Blocked(new BlockedReport(loop, TimeUnit.NANOSECONDS.toMillis(durationNs), startedAtEpochMs, frames, paused,
                TimeUnit.NANOSECONDS.toMillis(waitedNs))));
    }

    private void report() {
        try {
            long now = System.nanoTime();
            List<TelemetryReport.LoopReport> loopReports = new ArrayList<>(loops.size());
            loopsMerged.reset();
            for (LoopProbe probe : loops) {
                if (probe.ended()) {
                    // An app that shuts a group down (a client's, a test's) leaves no loop reported as stalled forever.
                    loops.remove(probe);
                    probe.close();
                } else {
                    loopReports.add(probe.report(now, loopsMerged));
                }
            }
            jvmSpare = jvmLag.getIntervalHistogram(jvmSpare);
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            long gcCount = 0;
            long gcPauseMs = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                // ZGC and Shenandoah report concurrent cycles on beans of their own; those are not pauses.
                if (!gc.getName().contains("Cycles")) {
                    gcCount += Math.max(0, gc.getCollectionCount());
                    gcPauseMs += Math.max(0, gc.getCollectionTime());
                }
            }
            Histogram lag = loopReports.isEmpty() ? jvmSpare : loopsMerged;
            link.send(new WorkerMessage.Metrics(new TelemetryReport(REPORT_INTERVAL_MS,
                    loopReports.isEmpty() ? null : LagHistograms.encode(loopsMerged), LagHistograms.bucketCounts(lag), LagHistograms.sumUs(lag),
                    loopReports, LagHistograms.encode(jvmSpare),
                    heap.getUsed(), heap.getCommitted(), heap.getMax(), gcCount - lastGcCount, gcPauseMs - lastGcPauseMs,
                    ManagementFactory.getThreadMXBean().getThreadCount(), processCpuTimeMs(), LagHistograms.summary(lag),
                    liveSet == null ? -1 : liveSet.takeInterval(), pools == null ? List.of() : pools.sample(System.currentTimeMillis()))));
            lastGcCount = gcCount;
            lastGcPauseMs = gcPauseMs;
        } catch (RuntimeException e) {
            // a report lost is better than a timer that stops reporting for good
        }
    }
}
