package dev.cluster.metrics;

import dev.cluster.view.Untrusted;
import dev.cluster.config.Durations;
import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.telemetry.LagHistograms;
import org.HdrHistogram.Histogram;

import java.util.ArrayDeque;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one worker slot reported and what the OS says about its process, kept in fixed memory: the
 * last {@link #HISTORY} one-second lag histograms (compressed, typically a few hundred bytes each),
 * running totals, and the last {@link #MAX_BLOCKED} stall reports. Windows over the history merge
 * the histograms, so a 10-minute p99 is the p99 of every sample in those 10 minutes.
 * Used on the supervisor's loop thread only.
 */
public final class WorkerTelemetry {
    /** Ten minutes of one report a second. */
    static final int HISTORY = 600;
    static final int MAX_BLOCKED = 10;
    /**
     * Bounds on what a worker's report may bring, checked at the door: the widest honest histogram
     * (every bucket of an hour's range filled) is about 5 KB in base64, a JVM has a few dozen loops.
     */
    static final int MAX_HISTOGRAM_CHARS = 16 * 1024;
    static final int MAX_LOOPS = 256;
    /** What the history may hold per slot: ten minutes of typical reports (~0.8 KB each) fit with room to spare. */
    static final long HISTORY_BYTES = 1 << 20;
    public static final long LIST_WINDOW_MS = 10_000;
    private static final byte[] EMPTY = LagHistograms.compress(LagHistograms.create());

    // The history ring: entry i is valid for the last 'size' positions before 'next'.
    private final long[] atMs = new long[HISTORY];
    private final byte[][] lag = new byte[HISTORY][];
    private final byte[][] jvmLag = new byte[HISTORY][];
    /** Each report's own p99 and max, as the worker summarised them: monit's sparklines. */
    private final float[] p99Ms = new float[HISTORY];
    private final float[] maxMs = new float[HISTORY];
    private final int[] entryBytes = new int[HISTORY];
    private long historyBytes;
    private int next;
    private int size;
    /** CPU % of each process sample, a ring of its own (samples and reports do not arrive together). */
    private final float[] cpuSeries = new float[HISTORY];
    private int cpuNext;
    private int cpuSize;

    private String reporter;
    private TelemetryReport latest;
    /** Reports taken so far: with the count inside the window, what identifies {@link #recentLag}'s content. */
    private long reports;
    private Histogram recent;
    private long recentReports = -1;
    private int recentCount = -1;
    private long gcCount;
    private long gcPauseMs;
    private long stalls;
    /** Of {@link #stalls}, those whose loop thread waited for a processor most of the time ({@link BlockedReport#starved}). */
    private long starvedStalls;
    private long refusedReports;
    private String lastRefusal;
    private final ArrayDeque<BlockedReport> blocked = new ArrayDeque<>();
    /**
     * Where each process that reported began, the newest {@value #MAX_PROCESS_STARTS}: what the
     * history spans. A process enters with its first report: the runs of a crash loop that died
     * before reporting hold no part of it.
     */
    private final ArrayDeque<TelemetryInfo.ProcessStart> processStarts = new ArrayDeque<>();
    static final int MAX_PROCESS_STARTS = 20;
    private TelemetryInfo.ProcessStart launched;
    /** Counts per bucket (the last is above every bound), sum and count: Prometheus's histogram of lag. */
    private final long[] bucketCounts = new long[LagHistograms.BUCKET_BOUNDS_US.length + 1];
    private long lagCount;
    private double lagSumSeconds;

    private final MemoryTrend memory = new MemoryTrend();
    private final PoolWatch pools = new PoolWatch();
    private Double cpuPercent;
    /** Samples in a row that found the process stopped (by a signal or a debugger). */
    private int stoppedSamples;
    private Long rssBytes;
    private Integer osThreads;
    private long cpuTimeMs;

    /**
     * A new process took over the slot (a start, a restart, a reload's replacement): what described
     * the previous one no longer holds. The history stays, and notes where this process began once it reports.
     */
    public void onLaunch(long pid, long atMs) {
        launched = new TelemetryInfo.ProcessStart(pid, atMs);
        latest = null;
        memory.reset();
        pools.reset();
        cpuPercent = null;
        rssBytes = null;
        osThreads = null;
        stoppedSamples = 0;
    }

    public void onHello(boolean agentOnly) {
        if (reporter == null || !agentOnly) {
            reporter = agentOnly ? "agent" : "library";
        }
    }

    /**
     * Takes one second's report. The worker's lag is that of its event loops, merged; an app that
     * registered none (agent only) is represented by its JVM timer thread. Nothing is decoded here:
     * this runs for every worker every second, and the loop thread has better things to do.
     *
     * @throws IllegalArgumentException when the report is malformed
     */
    public void onReport(TelemetryReport report, long nowMs) {
        refuseOversized(report.jvmLag(), "JVM lag histogram");
        refuseOversized(report.lag(), "lag histogram");
        if (report.loops() != null && report.loops().size() > MAX_LOOPS) {
            throw new IllegalArgumentException(report.loops().size() + " event loops (at most " + MAX_LOOPS + ")");
        }
        byte[] jvmBytes = Base64.getDecoder().decode(report.jvmLag());
        byte[] lagBytes = report.lag() == null ? jvmBytes : Base64.getDecoder().decode(report.lag());
        long[] buckets = report.lagBuckets();
        if (buckets == null || buckets.length != bucketCounts.length) {
            throw new IllegalArgumentException("lag buckets: expected " + bucketCounts.length);
        }
        if (launched != null) {
            processStarts.addLast(launched);
            launched = null;
            while (processStarts.size() > MAX_PROCESS_STARTS) {
                processStarts.removeFirst();
            }
        }
        pools.onReport(report.pools(), nowMs);
        memory.onLive(report.liveBytes(), nowMs);
        // Stored as received: decoded only when a window is asked for (list, describe, metrics).
        int bytes = jvmBytes.length + (lagBytes == jvmBytes ? 0 : lagBytes.length);
        if (size == HISTORY) {
            size--; // the entry at 'next' is the oldest: overwritten now
            historyBytes -= entryBytes[next];
        }
        while (size > 0 && historyBytes + bytes > HISTORY_BYTES) { // a worker sending wide histograms keeps a shorter history
            historyBytes -= entryBytes[Math.floorMod(next - size, HISTORY)];
            size--;
        }
        entryBytes[next] = bytes;
        historyBytes += bytes;
        atMs[next] = nowMs;
        lag[next] = lagBytes;
        jvmLag[next] = jvmBytes;
        LagSummary summary = report.summary() == null ? LagSummary.NONE : report.summary();
        p99Ms[next] = (float) summary.p99Ms();
        maxMs[next] = (float) summary.maxMs();
        next = (next + 1) % HISTORY;
        size = Math.min(HISTORY, size + 1);
        for (int b = 0; b < buckets.length; b++) {
            long n = Math.max(0, buckets[b]);
            bucketCounts[b] += n;
            lagCount += n;
        }
        lagSumSeconds += Math.max(0, report.lagSumUs()) / 1e6;
        gcCount += Math.max(0, report.gcCount());
        gcPauseMs += Math.max(0, report.gcPauseMs());
        latest = report;
        reports++;
    }

    private static void refuseOversized(String histogram, String what) {
        if (histogram != null && histogram.length() > MAX_HISTOGRAM_CHARS) {
            throw new IllegalArgumentException("a " + what + " of " + histogram.length() / 1024 + " KB (at most " + MAX_HISTOGRAM_CHARS / 1024 + " KB)");
        }
    }

    /**
     * A report that was refused at the door (too large, unreadable): counted and shown in
     * {@code describe}. Returns whether this one is worth a line in the daemon's log (the first, then
     * every 100th: a worker that sends nothing but bad reports does not fill it).
     */
    public boolean onRefused(String why) {
        refusedReports++;
        lastRefusal = why;
        return refusedReports % 100 == 1;
    }

    /** "N reports refused, the last: why", or null when none was. */
    String refusals() {
        return refusedReports == 0 ? null : refusedReports + " report(s) refused, the last: " + lastRefusal;
    }

    public void onBlocked(BlockedReport report) {
        stalls++;
        if (report.starved()) {
            starvedStalls++;
        }
        blocked.addFirst(report);
        while (blocked.size() > MAX_BLOCKED) {
            blocked.removeLast();
        }
    }

    public void onProcessSample(double cpu, long rss, int threads, long cpuTime, boolean stopped) {
        stoppedSamples = stopped ? stoppedSamples + 1 : 0;
        this.cpuPercent = cpu;
        this.rssBytes = rss;
        this.osThreads = threads;
        this.cpuTimeMs = cpuTime;
        cpuSeries[cpuNext] = (float) cpu;
        cpuNext = (cpuNext + 1) % HISTORY;
        cpuSize = Math.min(HISTORY, cpuSize + 1);
    }

    /**
     * Why the worker looks hung, for {@code --hang-timeout}, or null: it reports (library or agent)
     * but nothing has come for {@code timeoutMs} (a deadlocked reporter, a long stop-the-world pause,
     * a frozen process), or every event loop it monitors has been stuck that long. A worker that
     * never reports has no heartbeat to miss.
     *
     * @param silentMs how long since the process's newest report (since its launch before the first)
     */
    public String hang(long silentMs, long timeoutMs) {
        if (reporter == null) {
            return null;
        }
        if (silentMs >= timeoutMs) {
            return "no report for " + Durations.format(silentMs);
        }
        if (latest != null && !latest.loops().isEmpty() && latest.loops().stream().allMatch(l -> l.stalledMs() > 0)) {
            long stuckMs = latest.loops().stream().mapToLong(TelemetryReport.LoopReport::stalledMs).min().orElse(0) + silentMs;
            if (stuckMs >= timeoutMs) {
                return "every event loop stuck for " + Durations.format(stuckMs);
            }
        }
        return null;
    }

    /** The worker's event-loop lag over the last {@code windowMs}: its reports merged. */
    public Histogram lag(long nowMs, long windowMs) {
        return window(lag, nowMs, windowMs);
    }

    /**
     * The lag over the last {@link #LIST_WINDOW_MS}, as {@code list}, {@code describe} and metrics show
     * it. Each asks for it per worker and again for the app's and the cluster's merge, so it is merged
     * once per change of content: a report arrives, or the oldest one leaves the window. Read-only.
     */
    public Histogram recentLag(long nowMs) {
        int count = 0;
        while (count < size && atMs[Math.floorMod(next - 1 - count, HISTORY)] >= nowMs - LIST_WINDOW_MS) {
            count++;
        }
        if (recent == null || recentReports != reports || recentCount != count) {
            recent = lag(nowMs, LIST_WINDOW_MS);
            recentReports = reports;
            recentCount = count;
        }
        return recent;
    }

    private Histogram window(byte[][] ring, long nowMs, long windowMs) {
        Histogram sum = LagHistograms.create();
        for (int k = 1; k <= size; k++) {
            int i = Math.floorMod(next - k, HISTORY);
            if (atMs[i] < nowMs - windowMs) {
                break; // older entries only from here
            }
            try {
                sum.add(LagHistograms.decompress(ring[i]));
            } catch (IllegalArgumentException e) {
                ring[i] = EMPTY; // a worker sent garbage: that second counts as no samples, once
            }
        }
        return sum;
    }

    /**
     * Whether the process is paused: found stopped (SIGSTOP, a debugger) by the last two samples,
     * not one, since {@code strace -p} stops it for an instant at every system call.
     */
    public boolean paused() {
        return pausedAfter(stoppedSamples);
    }

    /** The rule of {@link #paused}, for a standby's samples too: two in a row found the process stopped. */
    public static boolean pausedAfter(int stoppedSamplesInARow) {
        return stoppedSamplesInARow >= 2;
    }

    public Double cpuPercent() {
        return cpuPercent;
    }

    public Long rssBytes() {
        return rssBytes;
    }

    public Long heapUsedBytes() {
        return latest == null ? null : latest.heapUsedBytes();
    }

    public long stalls() {
        return stalls;
    }

    public long starvedStalls() {
        return starvedStalls;
    }

    public long gcCount() {
        return gcCount;
    }

    public long gcPauseMs() {
        return gcPauseMs;
    }

    public long cpuTimeMs() {
        return cpuTimeMs;
    }

    public TelemetryReport latest() {
        return latest;
    }

    /** The live set's trend over the last ten minutes of this process; null until a collection was reported. */
    public MemoryTrend.Trend memoryTrend(long nowMs) {
        return memory.trend(nowMs);
    }

    /** Every pool of the newest report, fullest first. */
    public List<PoolInfo> pools(long nowMs) {
        return pools.pools(nowMs);
    }

    public PoolInfo fullestPool(long nowMs) {
        return pools.fullest(nowMs);
    }

    /** Cumulative, as Prometheus wants them: bucket b counts every sample up to its bound; the last is +Inf. */
    long[] cumulativeBuckets() {
        long[] cumulative = new long[bucketCounts.length];
        long running = 0;
        for (int b = 0; b < bucketCounts.length; b++) {
            running += bucketCounts[b];
            cumulative[b] = running;
        }
        return cumulative;
    }

    long lagCount() {
        return lagCount;
    }

    double lagSumSeconds() {
        return lagSumSeconds;
    }

    /**
     * What {@code monit} shows of a worker every second, cheap enough for hundreds of workers: the
     * newest report's lag as the worker summarised it (nothing decoded; the windows of
     * {@link #details} merge up to 600 histograms), its loops, heap, GC and the newest stall; with
     * {@code historyPoints > 0} also that many seconds of series, for a monit that just connected.
     */
    public TelemetryInfo glance(int historyPoints) {
        return new TelemetryInfo(reporter, Map.of("1s", newestLag()), null, loops(),
                latest == null ? null : latest.heapCommittedBytes(), latest == null ? null : latest.heapMaxBytes(),
                gcCount, gcPauseMs, latest == null ? null : latest.threads(), null, osThreads, stalls, starvedStalls,
                blocked.isEmpty() ? List.of() : List.of(blocked.getFirst()),
                historyPoints > 0 ? series(historyPoints) : null, null, refusals(), pools.pools(System.currentTimeMillis()));
    }

    /** The newest {@code points} seconds of lag p99, max and CPU, oldest first. */
    TelemetryInfo.Series series(int points) {
        return new TelemetryInfo.Series(newest(p99Ms, next, size, points), newest(maxMs, next, size, points),
                newest(cpuSeries, cpuNext, cpuSize, points));
    }

    private static float[] newest(float[] ring, int next, int size, int points) {
        float[] out = new float[Math.min(points, size)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ring[Math.floorMod(next - out.length + i, HISTORY)];
        }
        return out;
    }

    /**
     * The newest second's lag, as the worker summarised its own report (nothing to decode): the
     * figure {@code describe}'s "1s", monit's table and the sparkline series all show.
     */
    private LagSummary newestLag() {
        return latest == null || latest.summary() == null ? LagSummary.NONE : latest.summary();
    }

    private List<TelemetryInfo.Loop> loops() {
        return latest == null ? List.of() : latest.loops().stream()
                .map(l -> new TelemetryInfo.Loop(Untrusted.escape(l.name(), 200), l.lag(), l.pendingTasks(), l.stalledMs())).toList();
    }

    public TelemetryInfo details(long nowMs) {
        Map<String, LagSummary> windows = new LinkedHashMap<>();
        windows.put("1s", newestLag());
        windows.put("10s", LagHistograms.summary(recentLag(nowMs)));
        windows.put("1m", LagHistograms.summary(lag(nowMs, 60_000)));
        windows.put("10m", LagHistograms.summary(lag(nowMs, 600_000)));
        return new TelemetryInfo(reporter, windows, LagHistograms.summary(window(jvmLag, nowMs, LIST_WINDOW_MS)), loops(),
                latest == null ? null : latest.heapCommittedBytes(), latest == null ? null : latest.heapMaxBytes(),
                gcCount, gcPauseMs, latest == null ? null : latest.threads(),
                latest == null || latest.cpuTimeMs() < 0 ? null : latest.cpuTimeMs(), osThreads, stalls, starvedStalls, List.copyOf(blocked), null,
                List.copyOf(processStarts), refusals(), pools.pools(nowMs));
    }
}
