package dev.cluster.metrics;

import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.telemetry.LagHistograms;
import org.HdrHistogram.Histogram;

import java.util.ArrayDeque;
import java.util.ArrayList;
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
    public static final long LIST_WINDOW_MS = 10_000;
    /** Upper bounds of the Prometheus histogram buckets, in microseconds (1 ms to 10 s). */
    static final long[] BUCKETS_US = {1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
            1_000_000, 2_500_000, 5_000_000, 10_000_000};

    // The history ring: entry i is valid for the last 'size' positions before 'next'.
    private final long[] atMs = new long[HISTORY];
    private final byte[][] lag = new byte[HISTORY][];
    private final byte[][] jvmLag = new byte[HISTORY][];
    private int next;
    private int size;

    private String reporter;
    private TelemetryReport latest;
    private List<TelemetryInfo.Loop> loops = List.of();
    private long gcCount;
    private long gcPauseMs;
    private long stalls;
    private final ArrayDeque<BlockedReport> blocked = new ArrayDeque<>();
    /** Cumulative counts per bucket (the last is +Inf), sum and count: Prometheus's histogram of lag. */
    private final long[] bucketCounts = new long[BUCKETS_US.length + 1];
    private long lagCount;
    private double lagSumSeconds;

    private Double cpuPercent;
    private Long rssBytes;
    private Integer osThreads;
    private long cpuTimeMs;

    /** A new process took over the slot: what described the previous one no longer holds. History stays. */
    public void onLaunch() {
        latest = null;
        loops = List.of();
        cpuPercent = null;
        rssBytes = null;
        osThreads = null;
    }

    public void onHello(boolean agentOnly) {
        if (reporter == null || !agentOnly) {
            reporter = agentOnly ? "agent" : "library";
        }
    }

    /**
     * Takes one second's report. The worker's lag is that of its event loops, merged; an app that
     * registered none (agent only) is represented by its JVM timer thread.
     *
     * @throws IllegalArgumentException when a histogram in it cannot be decoded
     */
    public void onReport(TelemetryReport report, long nowMs) {
        byte[] jvmBytes = Base64.getDecoder().decode(report.jvmLag());
        Histogram jvm = LagHistograms.decompress(jvmBytes);
        Histogram merged = report.loops().isEmpty() ? jvm : LagHistograms.create();
        List<TelemetryInfo.Loop> loopInfos = new ArrayList<>();
        for (TelemetryReport.LoopReport loop : report.loops()) {
            Histogram h = LagHistograms.decode(loop.lag());
            merged.add(h);
            loopInfos.add(new TelemetryInfo.Loop(loop.name(), LagHistograms.summary(h), loop.pendingTasks(), loop.stalledMs()));
        }
        atMs[next] = nowMs;
        lag[next] = report.loops().isEmpty() ? jvmBytes : LagHistograms.compress(merged);
        jvmLag[next] = jvmBytes;
        next = (next + 1) % HISTORY;
        size = Math.min(HISTORY, size + 1);
        for (int b = 0; b < BUCKETS_US.length; b++) {
            bucketCounts[b] += merged.getCountBetweenValues(0, BUCKETS_US[b]);
        }
        bucketCounts[BUCKETS_US.length] += merged.getTotalCount();
        lagCount += merged.getTotalCount();
        lagSumSeconds += merged.getMean() * merged.getTotalCount() / 1e6;
        gcCount += report.gcCount();
        gcPauseMs += report.gcPauseMs();
        latest = report;
        loops = List.copyOf(loopInfos);
    }

    public void onBlocked(BlockedReport report) {
        stalls++;
        blocked.addFirst(report);
        while (blocked.size() > MAX_BLOCKED) {
            blocked.removeLast();
        }
    }

    public void onProcessSample(double cpu, long rss, int threads, long cpuTime) {
        this.cpuPercent = cpu;
        this.rssBytes = rss;
        this.osThreads = threads;
        this.cpuTimeMs = cpuTime;
    }

    /** The worker's event-loop lag over the last {@code windowMs}: its reports merged. */
    public Histogram lag(long nowMs, long windowMs) {
        return window(lag, nowMs, windowMs);
    }

    private Histogram window(byte[][] ring, long nowMs, long windowMs) {
        Histogram sum = LagHistograms.create();
        for (int k = 1; k <= size; k++) {
            int i = Math.floorMod(next - k, HISTORY);
            if (atMs[i] < nowMs - windowMs) {
                break; // older entries only from here
            }
            sum.add(LagHistograms.decompress(ring[i]));
        }
        return sum;
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

    long[] bucketCounts() {
        return bucketCounts;
    }

    long lagCount() {
        return lagCount;
    }

    double lagSumSeconds() {
        return lagSumSeconds;
    }

    public TelemetryInfo details(long nowMs) {
        Map<String, LagSummary> windows = new LinkedHashMap<>();
        windows.put("1s", size == 0 ? LagSummary.NONE : LagHistograms.summary(LagHistograms.decompress(lag[Math.floorMod(next - 1, HISTORY)])));
        windows.put("10s", LagHistograms.summary(lag(nowMs, 10_000)));
        windows.put("1m", LagHistograms.summary(lag(nowMs, 60_000)));
        windows.put("10m", LagHistograms.summary(lag(nowMs, 600_000)));
        return new TelemetryInfo(reporter, windows, LagHistograms.summary(window(jvmLag, nowMs, 10_000)), loops,
                latest == null ? null : latest.heapCommittedBytes(), latest == null ? null : latest.heapMaxBytes(),
                gcCount, gcPauseMs, latest == null ? null : latest.threads(), osThreads, stalls, List.copyOf(blocked));
    }
}
