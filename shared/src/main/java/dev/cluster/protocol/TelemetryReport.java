package dev.cluster.protocol;

import java.util.List;

/**
 * What a worker reports about itself once a second over the worker socket. Lag histograms are
 * HdrHistograms of microseconds for this interval only, compressed and base64-encoded (see
 * {@link dev.cluster.telemetry.LagHistograms}), so the supervisor can merge them exactly.
 *
 * @param loops       one entry per monitored event loop; empty for an app that registered none
 * @param jvmLag      lateness of a plain timer thread: stop-the-world pauses and CPU starvation
 * @param gcCount     collections during the interval
 * @param gcPauseMs   time the collectors report as pauses during the interval (concurrent cycles excluded)
 */
public record TelemetryReport(
        long intervalMs,
        List<LoopReport> loops,
        String jvmLag,
        long heapUsedBytes,
        long heapCommittedBytes,
        long heapMaxBytes,
        long gcCount,
        long gcPauseMs,
        int threads) {

    public TelemetryReport {
        loops = loops == null ? List.of() : List.copyOf(loops);
    }

    /**
     * One event loop in the interval.
     *
     * @param stalledMs how long the loop has been blocked right now (0 unless a stall is in progress)
     */
    public record LoopReport(String name, String lag, long pendingTasks, long stalledMs) {
    }
}
