package dev.cluster.protocol;

/**
 * A worker's live set (heap in use right after collections) and its trend over the last ten minutes.
 *
 * @param bytesPerMinute the trend's slope
 * @param climbing       the live set climbs steadily: a leak, most likely
 * @param untilLimitMs   at that rate, how long until {@code limit} is reached; null when not climbing
 * @param limit          which limit comes first: {@code -Xmx} (the heap's maximum) or {@code --max-memory-restart}
 */
public record MemoryInfo(long liveBytes, double bytesPerMinute, boolean climbing, Long untilLimitMs, String limit) {
}
