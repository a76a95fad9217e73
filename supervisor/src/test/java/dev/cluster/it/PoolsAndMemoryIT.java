package dev.cluster.it;

import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool and memory signals from real workers: worker-app's hash pool under load, an unmodified
 * Spring Boot app's request and connection pools, and worker-app's leak route against a worker
 * under the same kind of load that does not leak, and an idle one.
 */
class PoolsAndMemoryIT {
    /**
     * How long the steady and idle workers are watched: the suite watches them until the leak is
     * marked (2-3 minutes) to stay near its time budget, as ChaosIT runs 20 of the 60 kills.
     */
    private static final long WATCH_MINUTES = Long.getLong("memory.watch.minutes", 0);

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void theHashPoolQueuesUnderLoadAndIsMarkedFullThenRecovers() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        try (LoadClient load = new LoadClient(port, "/hash", 30_000, 8, 0)) {
            load.awaitAnswered(5);
            ClusterFixture.await("the hash pool reported full with a queue, and marked", Duration.ofSeconds(60), () -> {
                PoolInfo pool = cluster.worker("web", 0).pool();
                return pool != null && pool.name().equals("hash") && pool.queued() > 0 && pool.active() == pool.max() && pool.marked();
            });
            String table = cluster.ok("list").out();
            assertTrue(table.matches("(?s).*hash \\d+/\\d+\\+\\d+!.*"), table);
            String describe = cluster.ok("describe", "web").out();
            assertTrue(describe.matches("(?s).*executor\\s+hash\\s+\\d+/\\d+, [1-9]\\d* waiting, \\d+ rejected, FULL for.*"), describe);
            String metrics = cluster.ok("metrics").out();
            assertTrue(metrics.matches("(?s).*cluster_pool_queued\\{app=\"web\",id=\"0\",pool=\"hash\",kind=\"executor\"} [1-9].*"), metrics);
            assertTrue(metrics.contains("cluster_pool_max{app=\"web\",id=\"0\",pool=\"common\",kind=\"forkjoin\"}"), metrics);
        }
        ClusterFixture.await("the hash pool no longer full once the load stops", Duration.ofSeconds(60), () -> {
            PoolInfo pool = cluster.worker("web", 0).pool();
            return pool != null && !pool.marked() && pool.queued() == 0;
        });
    }

    /**
     * The zoo's Spring Boot app with a database (src/it/zoo/springdb: Tomcat with 8 request threads,
     * HikariCP with 4 connections over H2, a route that holds a connection for 200 ms), unmodified.
     */
    @Test
    void anUnmodifiedSpringAppShowsItsRequestAndConnectionPoolsFullUnderLoadAndNotWhenIdle() throws Exception {
        Path jar = ClusterFixture.zooJar("springdb");
        int port = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "--port", Integer.toString(port), "--name", "shop", "--listen-timeout", "120s");
        Http.get(port, "/db?ms=1"); // HikariCP starts its pool on first use
        ClusterFixture.await("both pools reported", Duration.ofSeconds(60), () -> kinds(described("shop:0")).containsAll(List.of("tomcat", "hikari")));
        long idleUntil = System.nanoTime() + Duration.ofSeconds(12).toNanos();
        ClusterFixture.await("12 s idle, more than twice the time that marks a full pool", Duration.ofSeconds(30), () -> {
            assertFalse(pools(described("shop:0")).stream().anyMatch(p -> p.marked() || p.queued() > 0), "idle: " + pools(described("shop:0")));
            return System.nanoTime() >= idleUntil;
        });
        try (LoadClient load = new LoadClient(port, "/db?ms=200", 60_000, 40, 0)) {
            load.awaitAnswered(20);
            ClusterFixture.await("Tomcat's and HikariCP's pools full with a queue, and marked", Duration.ofSeconds(60), () -> {
                List<PoolInfo> pools = pools(described("shop:0"));
                return pools.stream().filter(p -> p.kind().equals("tomcat") || p.kind().equals("hikari"))
                        .filter(p -> p.active() == p.max() && p.queued() > 0 && p.marked()).count() == 2;
            });
            List<PoolInfo> pools = pools(described("shop:0"));
            assertTrue(pools.stream().anyMatch(p -> p.kind().equals("tomcat") && p.max() == 8), pools.toString());
            assertTrue(pools.stream().anyMatch(p -> p.kind().equals("hikari") && p.name().equals("HikariPool-1") && p.max() == 4), pools.toString());
            assertEquals(0, load.failed(), load.failures().toString());
        }
        ClusterFixture.await("neither marked once the load stops", Duration.ofSeconds(60),
                () -> pools(described("shop:0")).stream().noneMatch(PoolInfo::marked));
    }

    /** The worker as {@code describe} has it: with its telemetry, every pool among it. */
    private WorkerInfo described(String worker) {
        return cluster.request(new Request.Describe(worker, null)).apps().get(0).workers().get(0);
    }

    private static List<PoolInfo> pools(WorkerInfo w) {
        return w.telemetry() == null || w.telemetry().pools() == null ? List.of() : w.telemetry().pools();
    }

    private static List<String> kinds(WorkerInfo w) {
        return pools(w).stream().map(PoolInfo::kind).toList();
    }

    @Test
    @Timeout(value = 9, unit = TimeUnit.MINUTES) // up to five minutes of watching, by design
    void aLeakIsMarkedWithinThreeMinutesAndSteadyOrIdleWorkersAreNot() throws Exception {
        int leakPort = ClusterFixture.freePort();
        int steadyPort = ClusterFixture.freePort();
        int idlePort = ClusterFixture.freePort();
        // Heaps of 1 GB: the leak's 5 minutes fit, and collections come often enough to see the live set.
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(leakPort), "--name", "leaky", "--jvm-args", "-Xmx1g");
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(steadyPort), "--name", "steady", "--jvm-args", "-Xmx1g");
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(idlePort), "--name", "idle", "--jvm-args", "-Xmx1g");
        List<String> wronglyMarked = new ArrayList<>();
        try (LoadClient leak = new LoadClient(leakPort, "/leak?kb=4", 30_000, 2, 0);
             LoadClient steady = new LoadClient(steadyPort, "/whoami", 30_000, 2, 0)) {
            leak.awaitAnswered(10);
            steady.awaitAnswered(10);
            long started = System.nanoTime();
            ClusterFixture.await("the leaking worker marked", Duration.ofMinutes(3), () -> {
                note(wronglyMarked);
                WorkerInfo w = cluster.worker("leaky", 0);
                return w.memory() != null && w.memory().climbing();
            });
            WorkerInfo leaky = cluster.worker("leaky", 0);
            assertTrue(leaky.memory().bytesPerMinute() > 1 << 20, leaky.memory().toString());
            assertEquals("-Xmx", leaky.memory().limit(), leaky.memory().toString());
            String describe = cluster.ok("describe", "leaky").out();
            assertTrue(describe.matches("(?s).*live set .* CLIMBING \\(a leak\\?\\), -Xmx reached in .* at this rate.*"), describe);
            assertTrue(cluster.ok("list").out().matches("(?s).*leaky .*\\+[0-9.]+[KMG]/m!.*"), "list marks it");
            assertTrue(cluster.ok("metrics").out().contains("cluster_worker_live_climbing{app=\"leaky\",id=\"0\"} 1"));
            // The others: until the leak was marked, and with -Dmemory.watch.minutes=5 (the figure) for five minutes in all.
            Duration rest = Duration.ofMinutes(WATCH_MINUTES).minusNanos(System.nanoTime() - started);
            long until = System.nanoTime() + Math.max(0, rest.toNanos());
            // An observation over a set time, which is what the claim is about: not a wait for something.
            ClusterFixture.await(WATCH_MINUTES + " minutes of watching", rest.plusMinutes(1), () -> {
                note(wronglyMarked);
                return System.nanoTime() >= until;
            });
            assertTrue(steady.ok() > 1_000, "the steady worker was under load all along: " + steady.ok());
        }
        assertTrue(wronglyMarked.isEmpty(), "marked without a leak: " + wronglyMarked);
        assertTrue(cluster.worker("steady", 0).memory() != null, "the steady worker's live set was reported");
    }

    private void note(List<String> wronglyMarked) {
        for (WorkerInfo w : cluster.list()) {
            if (!w.app().equals("leaky") && w.memory() != null && w.memory().climbing()) {
                wronglyMarked.add(w.app() + " " + w.memory());
            }
        }
    }
}
