package dev.cluster.protocol;

import java.util.List;
import java.util.Map;

/**
 * A worker's full telemetry as {@code describe} shows it (the summary figures are on {@link WorkerInfo}).
 *
 * @param reporter   "library" (loops registered), "agent" (JVM figures, and the Netty loops the app runs), or null: nothing reported yet
 * @param lag        event-loop lag over the last 1s, 10s, 1m and 10m, from merged histograms
 * @param jvmLag     lateness of the plain timer thread over the last 10 s
 * @param gcCount    collections since the worker started; {@code gcPauseMs} likewise
 * @param cpuTimeMs  the JVM's own count of its process's CPU time
 * @param starvedStalls of {@code stalls}, those whose loop thread waited for a processor most of the time ({@link BlockedReport#starved})
 * @param blocked    the last stalls, newest first, with the stack caught while each was in progress
 * @param history    per-second series, oldest first; only in the first {@code watch} frame, so that
 *                   monit's sparklines start with the last minutes instead of empty
 * @param processes  where each process of the slot began within the history, oldest first ({@code describe} only):
 *                   the history spans restarts and reloads
 * @param pools      every pool the worker reported, fullest first
 * @param refused    how many of the worker's reports were refused at the door (too large, unreadable) and why the last was; null when none
 */
public record TelemetryInfo(
        String reporter,
        Map<String, LagSummary> lag,
        LagSummary jvmLag,
        List<Loop> loops,
        Long heapCommittedBytes,
        Long heapMaxBytes,
        long gcCount,
        long gcPauseMs,
        Integer jvmThreads,
        Long cpuTimeMs,
        Integer osThreads,
        long stalls,
        long starvedStalls,
        List<BlockedReport> blocked,
        Series history,
        List<ProcessStart> processes,
        String refused,
        List<PoolInfo> pools) {

    /** One event loop: its lag over the last 10 s, tasks waiting, and how long it has been stalled right now. */
    public record Loop(String name, LagSummary lag, long pendingTasks, long stalledMs) {
    }

    /** A process of the slot, and when it took over. */
    public record ProcessStart(long pid, long atEpochMs) {
    }

    /** Each second's lag p99 and max (the worker's report) and CPU % (the supervisor's sample), oldest first. */
    public record Series(float[] p99Ms, float[] maxMs, float[] cpuPercent) {
    }
}
