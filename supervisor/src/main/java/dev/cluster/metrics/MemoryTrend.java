package dev.cluster.metrics;

import dev.cluster.protocol.MemoryInfo;

/**
 * Whether a worker's live set (its heap right after collections) climbs: the lowest figure of each
 * half minute over the last ten, and a least-squares line through them. Traffic makes the heap saw
 * up and down, and a burst raises one half minute's floor; only a leak raises the floor steadily, so a
 * worker is marked climbing when the line rises by at least {@link #MIN_SLOPE_BYTES_PER_MIN} and the
 * floors lie close to it ({@link #MIN_FIT}), over at least {@link #MIN_POINTS} half minutes.
 * One process's figures: a new process starts a new trend. Used on the supervisor's loop thread only.
 */
public final class MemoryTrend {
    static final long BUCKET_MS = 30_000;
    static final int BUCKETS = 20;
    static final int MIN_POINTS = 4;
    static final double MIN_SLOPE_BYTES_PER_MIN = 1024 * 1024;
    /** R²: how much of the floors' spread the line explains. */
    static final double MIN_FIT = 0.8;

    /** The floor of each half minute, a ring; bucket k covers [k*BUCKET_MS, (k+1)*BUCKET_MS) of the epoch. */
    private final long[] floor = new long[BUCKETS];
    private final long[] bucket = new long[BUCKETS];
    private int size;
    private int newest = -1;
    private long latest = -1;

    /** The verdict: the newest live set, the line's slope, and whether it is a climb. */
    public record Trend(long liveBytes, double bytesPerMinute, boolean climbing) {

        /**
         * With, when climbing, the time until the first limit the climb reaches: the heap's maximum
         * ({@code -Xmx}, for the live set) or {@code --max-memory-restart} (for the RSS, which grows
         * with the heap).
         */
        public MemoryInfo info(Long heapMaxBytes, Long rssBytes, Long maxMemoryRestartBytes) {
            Long until = null;
            String limit = null;
            if (climbing) {
                if (heapMaxBytes != null && heapMaxBytes > 0) {
                    until = minutesToMs(Math.max(0, heapMaxBytes - liveBytes) / bytesPerMinute);
                    limit = "-Xmx";
                }
                if (maxMemoryRestartBytes != null && rssBytes != null) {
                    long ms = minutesToMs(Math.max(0, maxMemoryRestartBytes - rssBytes) / bytesPerMinute);
                    if (until == null || ms < until) {
                        until = ms;
                        limit = "--max-memory-restart";
                    }
                }
            }
            return new MemoryInfo(liveBytes, bytesPerMinute, climbing, until, limit);
        }

        private static long minutesToMs(double minutes) {
            return Math.round(minutes * 60_000);
        }
    }

    /** A report's live set; -1 (no collection in that second) is ignored. */
    public void onLive(long bytes, long nowMs) {
        if (bytes < 0) {
            return;
        }
        latest = bytes;
        long b = nowMs / BUCKET_MS;
        if (newest >= 0 && bucket[newest] == b) {
            floor[newest] = Math.min(floor[newest], bytes);
            return;
        }
        newest = (newest + 1) % BUCKETS;
        bucket[newest] = b;
        floor[newest] = bytes;
        size = Math.min(BUCKETS, size + 1);
    }

    public void reset() {
        size = 0;
        newest = -1;
        latest = -1;
    }

    /** The trend over the last ten minutes as of {@code nowMs}; null until a collection was seen. */
    public Trend trend(long nowMs) {
        if (latest < 0) {
            return null;
        }
        long oldest = nowMs / BUCKET_MS - BUCKETS + 1;
        int n = 0;
        double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
        for (int k = 0; k < size; k++) {
            int i = Math.floorMod(newest - k, BUCKETS);
            if (bucket[i] < oldest) {
                break;
            }
            double x = (bucket[i] - oldest) * (BUCKET_MS / 60_000.0); // minutes
            double y = floor[i];
            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
            syy += y * y;
        }
        if (n < 2) {
            return new Trend(latest, 0, false);
        }
        double varX = n * sxx - sx * sx;
        double varY = n * syy - sy * sy;
        double cov = n * sxy - sx * sy;
        double slope = varX == 0 ? 0 : cov / varX;
        double fit = varX == 0 || varY == 0 ? 0 : cov * cov / (varX * varY);
        return new Trend(latest, slope, n >= MIN_POINTS && slope >= MIN_SLOPE_BYTES_PER_MIN && fit >= MIN_FIT);
    }
}
