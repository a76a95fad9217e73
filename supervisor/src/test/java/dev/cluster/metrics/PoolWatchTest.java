package dev.cluster.metrics;

import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.PoolReport;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolWatchTest {
    private static final PoolReport IDLE_COMMON = new PoolReport("common", "forkjoin", 0, 2, 0, -1);

    @Test
    void aPoolFullForFiveSecondsIsMarkedAndABurstIsNot() {
        PoolWatch watch = new PoolWatch();
        for (long s = 0; s <= 4; s++) {
            watch.onReport(List.of(IDLE_COMMON, new PoolReport("hash", "executor", 2, 2, 31, 0)), s * 1000);
        }
        PoolInfo full = watch.fullest(4_000);
        assertEquals("hash", full.name());
        assertEquals(4_000, full.fullForMs());
        assertFalse(full.marked(), "four seconds full is a burst");
        watch.onReport(List.of(IDLE_COMMON, new PoolReport("hash", "executor", 2, 2, 40, 3)), 5_000);
        assertTrue(watch.fullest(5_000).marked());
        // the queue drains: two reports in a row not full end it, and a later fill starts counting again
        watch.onReport(List.of(IDLE_COMMON, new PoolReport("hash", "executor", 2, 2, 0, 3)), 6_000);
        watch.onReport(List.of(IDLE_COMMON, new PoolReport("hash", "executor", 2, 2, 0, 3)), 7_000);
        assertEquals(0, watch.fullest(7_000).fullForMs());
        watch.onReport(List.of(IDLE_COMMON, new PoolReport("hash", "executor", 2, 2, 5, 3)), 8_000);
        assertFalse(watch.fullest(8_000).marked());
    }

    @Test
    void aThreadCaughtBetweenTwoTasksDoesNotEndTheCount() {
        PoolWatch watch = new PoolWatch();
        for (long s = 0; s <= 5; s++) {
            watch.onReport(List.of(new PoolReport("hash", "executor", 2, 2, 6, 0)), s * 1000);
        }
        // the CI run this comes from: a saturated pool sampled as "1/2, 5 waiting" lost its mark
        watch.onReport(List.of(new PoolReport("hash", "executor", 1, 2, 5, 0)), 6_000);
        assertTrue(watch.fullest(6_000).marked());
        assertEquals(6_000, watch.fullest(6_000).fullForMs());
        watch.onReport(List.of(new PoolReport("hash", "executor", 2, 2, 6, 0)), 7_000);
        watch.onReport(List.of(new PoolReport("hash", "executor", 1, 2, 5, 0)), 8_000);
        assertTrue(watch.fullest(8_000).marked(), "one miss at a time, each followed by a full report");
    }

    @Test
    void aPoolAtItsMaximumWithoutAQueueIsBusyNotFull() {
        PoolWatch watch = new PoolWatch();
        watch.onReport(List.of(new PoolReport("http-nio-8080", "tomcat", 200, 200, 0, -1)), 0);
        watch.onReport(List.of(new PoolReport("http-nio-8080", "tomcat", 200, 200, 0, -1)), 10_000);
        assertFalse(watch.fullest(10_000).marked());
    }

    @Test
    void theFullestComesFirst() {
        PoolWatch watch = new PoolWatch();
        watch.onReport(List.of(IDLE_COMMON, new PoolReport("HikariPool-1", "hikari", 3, 10, 0, -1),
                new PoolReport("http-nio-8080", "tomcat", 8, 8, 4, -1)), 0);
        assertEquals(List.of("http-nio-8080", "HikariPool-1", "common"), watch.pools(0).stream().map(PoolInfo::name).toList());
    }

    @Test
    void namesAreEscapedAndTheCountIsBounded() {
        PoolWatch watch = new PoolWatch();
        watch.onReport(List.of(new PoolReport("evil\u001b[2J", "executor", 1, 2, 0, 0)), 0);
        assertFalse(watch.fullest(0).name().contains("\u001b"));
        assertThrows(IllegalArgumentException.class,
                () -> watch.onReport(Collections.nCopies(PoolWatch.MAX_POOLS + 1, IDLE_COMMON), 1_000));
        watch.reset();
        assertNull(watch.fullest(1_000));
    }
}
