package dev.cluster.metrics;

import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.PoolReport;
import dev.cluster.view.Untrusted;

import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One worker's pools, as its newest report had them, and since when each has been full (at its
 * maximum with work waiting). A pool full for {@link #MARK_AFTER_MS} is marked: a burst fills a
 * pool for a moment, a saturated one stays full. A saturated pool still shows a thread between two
 * tasks now and then (1/2 busy, 5 waiting), so one report that is not full does not end the count;
 * two in a row do. Used on the supervisor's loop thread only.
 */
public final class PoolWatch {
    public static final long MARK_AFTER_MS = 5_000;
    static final int MAX_POOLS = 64;
    static final int MAX_NAME_CHARS = 100;

    private List<PoolReport> latest = List.of();
    private final Map<String, Long> fullSince = new HashMap<>();
    /** Pools counted as full whose newest report was not: one more such report ends the count. */
    private final Set<String> missedOnce = new HashSet<>();

    /** @throws IllegalArgumentException when the report has more pools than any real app */
    void onReport(List<PoolReport> pools, long nowMs) {
        if (pools.size() > MAX_POOLS) {
            throw new IllegalArgumentException(pools.size() + " pools (at most " + MAX_POOLS + ")");
        }
        latest = pools;
        Map<String, Long> still = new HashMap<>();
        Set<String> missed = new HashSet<>();
        for (PoolReport p : pools) {
            String key = key(p);
            if (p.full()) {
                still.put(key, fullSince.getOrDefault(key, nowMs));
            } else if (fullSince.containsKey(key) && !missedOnce.contains(key)) {
                still.put(key, fullSince.get(key));
                missed.add(key);
            }
        }
        fullSince.clear();
        fullSince.putAll(still);
        missedOnce.clear();
        missedOnce.addAll(missed);
    }

    void reset() {
        latest = List.of();
        fullSince.clear();
        missedOnce.clear();
    }

    /** Every pool, fullest first. */
    List<PoolInfo> pools(long nowMs) {
        return latest.stream().map(p -> info(p, nowMs))
                .sorted(Comparator.comparing(PoolInfo::marked).thenComparingDouble(PoolWatch::fill).reversed()).toList();
    }

    /** The fullest pool, or null when the worker reports none. */
    PoolInfo fullest(long nowMs) {
        List<PoolInfo> all = pools(nowMs);
        return all.isEmpty() ? null : all.get(0);
    }

    private PoolInfo info(PoolReport p, long nowMs) {
        Long since = fullSince.get(key(p));
        long fullFor = since == null ? 0 : nowMs - since;
        return new PoolInfo(Untrusted.escape(p.name(), MAX_NAME_CHARS), Untrusted.escape(p.kind(), MAX_NAME_CHARS), p.active(), p.max(),
                p.queued(), p.rejections(), fullFor, since != null && fullFor >= MARK_AFTER_MS);
    }

    /** How full: the busy share, and a queue counts as fuller than any pool without one. */
    private static double fill(PoolInfo p) {
        return (p.max() <= 0 ? 0 : (double) p.active() / p.max()) + (p.queued() > 0 ? 1 : 0);
    }

    private static String key(PoolReport p) {
        return p.kind() + "\0" + p.name();
    }
}
