package dev.cluster.protocol;

/**
 * A worker's pool as {@code list}, {@code describe}, monit and metrics show it: what the worker
 * reported ({@link PoolReport}) and how long the pool has been full (at its maximum with work
 * waiting; 0 when it is not). {@code marked}: full for long enough to be a signal, not a burst.
 */
public record PoolInfo(String name, String kind, int active, int max, long queued, long rejections, long fullForMs, boolean marked) {
}
