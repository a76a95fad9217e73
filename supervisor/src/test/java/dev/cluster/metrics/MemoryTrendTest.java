package dev.cluster.metrics;

import dev.cluster.protocol.MemoryInfo;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryTrendTest {
    private static final long MB = 1024 * 1024;
    private static final long T0 = 1_800_000_000_000L;

    /** One report a second for {@code seconds}: the live set after GC as {@code live(second)}, a collection every 3 s. */
    private static MemoryTrend feed(int seconds, java.util.function.IntToLongFunction live) {
        MemoryTrend trend = new MemoryTrend();
        for (int s = 0; s < seconds; s++) {
            trend.onLive(s % 3 == 0 ? live.applyAsLong(s) : -1, T0 + s * 1000L);
        }
        return trend;
    }

    @Test
    void aLeakOfThreeMegabytesAMinuteIsMarkedWithinThreeMinutes() {
        MemoryTrend trend = feed(150, s -> 40 * MB + s * 3 * MB / 60 + (s % 7) * 200_000);
        MemoryTrend.Trend t = trend.trend(T0 + 150_000);
        assertTrue(t.climbing(), t.toString());
        assertEquals(3.0, t.bytesPerMinute() / MB, 0.3);
    }

    @Test
    void aSteadyWorkerWhoseHeapSawsWithTrafficIsNotMarked() {
        // after-GC figures jump between 30 and 45 MB (survivors of whatever was in flight), for ten minutes
        MemoryTrend trend = feed(600, s -> 30 * MB + (s * 7919L % 15) * MB);
        assertFalse(trend.trend(T0 + 600_000).climbing());
    }

    @Test
    void anIdleWorkerAndAOneOffStepAreNotMarked() {
        assertFalse(feed(600, s -> 12 * MB).trend(T0 + 600_000).climbing(), "flat");
        // a cache filled once, at minute 4, then flat: the line through it has a slope, but a poor fit... until it is old news
        MemoryTrend step = feed(600, s -> s < 240 ? 20 * MB : 60 * MB);
        MemoryTrend.Trend t = step.trend(T0 + 600_000);
        assertFalse(t.climbing(), t.toString());
    }

    @Test
    void tooFewPointsAreNoVerdictAndNoCollectionIsNoTrend() {
        assertNull(new MemoryTrend().trend(T0));
        assertFalse(feed(60, s -> 10 * MB + s * MB).trend(T0 + 60_000).climbing(), "a minute is too short to call");
    }

    @Test
    void aNewProcessStartsANewTrend() {
        MemoryTrend trend = feed(240, s -> 40 * MB + s * 5 * MB / 60);
        assertTrue(trend.trend(T0 + 240_000).climbing());
        trend.reset();
        assertNull(trend.trend(T0 + 240_000));
    }

    @Test
    void saysWhichLimitComesFirstAndWhen() {
        MemoryTrend.Trend t = new MemoryTrend.Trend(100 * MB, 10 * MB, true);
        MemoryInfo heapFirst = t.info(400 * MB, 300 * MB, 1000 * MB);
        assertEquals("-Xmx", heapFirst.limit());
        assertEquals(30 * 60_000L, heapFirst.untilLimitMs());
        MemoryInfo rssFirst = t.info(4000 * MB, 300 * MB, 350 * MB);
        assertEquals("--max-memory-restart", rssFirst.limit());
        assertEquals(5 * 60_000L, rssFirst.untilLimitMs());
        assertNull(new MemoryTrend.Trend(100 * MB, 0, false).info(400 * MB, null, null).untilLimitMs());
    }
}
