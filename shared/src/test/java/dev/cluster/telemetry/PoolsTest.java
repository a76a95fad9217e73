package dev.cluster.telemetry;

import dev.cluster.protocol.PoolReport;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
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

    /** What Undertow's XNIO worker registers about itself (org.xnio.management.XnioWorkerMXBean), the part read. */
    public interface WorkerMXBean {
        int getBusyWorkerThreadCount();

        int getMaxWorkerPoolSize();

        int getWorkerQueueSize();
    }

    /** A worker with all of its 16 threads busy and 5 tasks waiting. */
    public static final class XnioWorker implements WorkerMXBean {
        @Override
        public int getBusyWorkerThreadCount() {
            return 16;
        }

        @Override
        public int getMaxWorkerPoolSize() {
            return 16;
        }

        @Override
        public int getWorkerQueueSize() {
            return 5;
        }
    }

    @Test
    void anXnioWorkersPoolIsReadFromItsMBeanAndItsServersAndProviderAreNot() throws Exception {
        MBeanServer server = MBeanServerFactory.createMBeanServer(); // found as the platform one would be
        try {
            // The names XNIO 3.8 gives its worker, one of its servers and its provider.
            server.registerMBean(new XnioWorker(), new ObjectName("org.xnio:type=Xnio,provider=\"nio\",worker=\"XNIO-1\""));
            server.registerMBean(new XnioWorker(), new ObjectName("org.xnio:type=Xnio,provider=\"nio\",worker=\"XNIO-1\",address=\"/0.0.0.0:8080\""));
            server.registerMBean(new XnioWorker(), new ObjectName("org.xnio:type=Xnio,provider=\"nio\""));
            List<PoolReport> xnio = new Pools().sample(0).stream().filter(p -> p.kind().equals("xnio")).toList();
            assertEquals(List.of(new PoolReport("XNIO-1", "xnio", 16, 16, 5, -1)), xnio);
            assertTrue(xnio.get(0).full());
        } finally {
            MBeanServerFactory.releaseMBeanServer(server);
        }
    }

    /** Shaped like Vert.x 4's {@code VertxImpl} where it is read: its default worker pool, and the named ones in a private map. */
    public static final class FakeVertx {
        private final WorkerPool workerPool;
        private final Map<String, WorkerPool> namedWorkerPools = new LinkedHashMap<>();

        FakeVertx(ExecutorService workers) {
            workerPool = new WorkerPool(workers);
        }

        public WorkerPool getWorkerPool() {
            return workerPool;
        }
    }

    /** Shaped like Vert.x's {@code WorkerPool}. */
    public static final class WorkerPool {
        private final ExecutorService pool;

        WorkerPool(ExecutorService pool) {
            this.pool = pool;
        }

        public ExecutorService executor() {
            return pool;
        }
    }

    @Test
    void vertxsDefaultAndNamedWorkerPoolsAreReadAndOneWithAnotherExecutorIsLeftOut() throws Exception {
        ThreadPoolExecutor workers = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        ThreadPoolExecutor db = new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        ForkJoinPool custom = new ForkJoinPool(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(2);
        try {
            for (int i = 0; i < 5; i++) { // two run (blocking code off the loop, say), three wait
                workers.execute(() -> {
                    running.countDown();
                    awaitQuietly(release);
                });
            }
            running.await();
            FakeVertx vertx = new FakeVertx(workers);
            vertx.namedWorkerPools.put("custom", new WorkerPool(custom)); // an app's own ExecutorServiceFactory
            vertx.namedWorkerPools.put("db", new WorkerPool(db));
            List<PoolReport> out = new ArrayList<>();
            Pools.vertx(out, vertx);
            assertEquals(List.of(new PoolReport("vert.x-worker-thread", "vertx", 2, 2, 3, -1), new PoolReport("db", "vertx", 0, 4, 0, -1)), out);
            assertTrue(out.get(0).full());
        } finally {
            release.countDown();
            workers.shutdownNow();
            db.shutdownNow();
            custom.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void quarkussWorkerPoolIsNamedFromItsWrappedFactoryAndFullAtItsMaximumThoughItsQueueIsNotCounted() {
        List<PoolReport> out = new ArrayList<>();
        Pools.jbossThreads(out, new org.jboss.threads.EnhancedQueueExecutor(
                new org.jboss.threads.JBossThreadFactory.Resetting(new org.jboss.threads.JBossThreadFactory("executor-thread-%t")), 200));
        assertEquals(List.of(new PoolReport("executor-thread", "jboss", 200, 200, -1, 3)), out);
        assertTrue(out.get(0).full(), "all 200 threads busy and an unbounded queue behind them");

        // Vert.x's internal pool in Quarkus: a lambda that numbers its threads after a prefix.
        String prefix = "vert.x-internal-blocking-";
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        out.clear();
        Pools.jbossThreads(out, new org.jboss.threads.EnhancedQueueExecutor(r -> new Thread(r, prefix + count.getAndIncrement()), 0));
        assertEquals("vert.x-internal-blocking", out.get(0).name());
        assertTrue(!out.get(0).full());
    }

    @Test
    void aJbossThreadsPoolOfXnioOrWithoutItsBusyThreadsCountedIsLeftOut() {
        List<PoolReport> out = new ArrayList<>();
        Pools.jbossThreads(out, new org.jboss.threads.EnhancedQueueExecutor(new org.xnio.XnioWorker.WorkerThreadFactory(), 4)); // XNIO's MBean says it
        Pools.jbossThreads(out, new org.jboss.threads.EnhancedQueueExecutor(new org.jboss.threads.JBossThreadFactory("pool-%t"), -1)); // nothing to show
        assertEquals(List.of(), out);
    }
}
