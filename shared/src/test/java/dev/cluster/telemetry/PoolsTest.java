package dev.cluster.telemetry;

import dev.cluster.protocol.PoolReport;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolsTest {
    @Test
    void aRegisteredExecutorReportsBusyQueuedAndRejectedAndStillRejectsAsBefore() throws Exception {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(2));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try {
            Pools.monitor(pool, "test-hash");
            pool.execute(() -> {
                running.countDown();
                awaitQuietly(release);
            });
            running.await();
            pool.execute(() -> { });
            pool.execute(() -> { });
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }), "the app's own policy (abort) still applies");
            PoolReport report = new Pools().sample(0).stream().filter(p -> p.name().equals("test-hash")).findFirst().orElseThrow();
            assertEquals(new PoolReport("test-hash", "executor", 1, 1, 2, 1), report);
            assertTrue(report.full());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void theCommonPoolIsAlwaysThere() {
        assertTrue(new Pools().sample(0).stream().anyMatch(p -> p.kind().equals("forkjoin")));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
