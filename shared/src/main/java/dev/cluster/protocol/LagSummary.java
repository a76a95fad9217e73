package dev.cluster.protocol;

/**
 * Percentiles of event-loop lag over some window, in milliseconds, computed from a histogram (for
 * an app or the cluster: from the merged histograms of its workers, never from averaged percentiles).
 * {@code samples} is how many probe runs the window holds; 0 means nothing was reported.
 */
public record LagSummary(double p50Ms, double p90Ms, double p99Ms, double maxMs, long samples) {
    public static final LagSummary NONE = new LagSummary(0, 0, 0, 0, 0);
}
