package dev.cluster.protocol;

import java.util.List;

/**
 * What a worker reports about itself once a second over the worker socket. Lag histograms are
 * HdrHistograms of microseconds for this interval only, compressed and base64-encoded (see
 * {@link dev.cluster.telemetry.LagHistograms}), so the supervisor can merge them exactly. The
 * worker merges its own loops into one histogram and summarises it and each loop itself, so the
 * supervisor stores the report as it came and decodes histograms only when a window is asked for,
 * however many loops the worker has.
 *
 * @param lag         every monitored event loop's lag, merged; null for an app that registered none
 * @param lagBuckets  the samples of {@code lag} (or {@code jvmLag} when no loops) per coarse bucket
 *                    ({@link dev.cluster.telemetry.LagHistograms#BUCKET_BOUNDS_US}, then one above all)
 * @param lagSumUs    their sum in microseconds
 * @param loops       one summary per monitored event loop
 * @param jvmLag      lateness of a plain timer thread: stop-the-world pauses and CPU starvation
 * @param gcCount     collections during the interval
 * @param gcPauseMs   time the collectors report as pauses during the interval (concurrent cycles excluded)
 * @param cpuTimeMs   CPU time of the whole JVM process since it started, as the JVM counts it (-1: unknown)
 * @param summary     percentiles of {@code lag} (or {@code jvmLag} when no loops), worked out by the
 *                    worker: the supervisor keeps them as a per-second series without decoding anything
 * @param liveBytes   the lowest heap in use right after a collection in the interval; -1 when none ran
 * @param pools       the worker's thread and connection pools, now
 */
public record TelemetryReport(
        long intervalMs,
        String lag,
        long[] lagBuckets,
        long lagSumUs,
        List<LoopReport> loops,
        String jvmLag,
        long heapUsedBytes,
        long heapCommittedBytes,
        long heapMaxBytes,
        long gcCount,
        long gcPauseMs,
        int threads,
        long cpuTimeMs,
        LagSummary summary,
        long liveBytes,
        List<PoolReport> pools) {

    public TelemetryReport {
        loops = loops == null ? List.of() : List.copyOf(loops);
        pools = pools == null ? List.of() : List.copyOf(pools);
    }

    /**
     * One event loop in the interval.
     *
     * @param stalledMs how long the loop has been blocked right now (0 unless a stall is in progress)
     */
    public record LoopReport(String name, LagSummary lag, long pendingTasks, long stalledMs) {
    }
}
