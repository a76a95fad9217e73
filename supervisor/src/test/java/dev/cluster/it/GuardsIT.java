package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;

import static dev.cluster.it.ClusterFixture.JAVA;
import static dev.cluster.it.ClusterFixture.TEST_CLASSES;
import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --max-memory-restart and --hang-timeout on real processes. */
class GuardsIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private String daemonLog() throws Exception {
        return Files.readString(cluster.home().resolve("daemon.log"));
    }

    @Test
    void aWorkerOverItsMemoryLimitIsReplacedWithoutDowntimeOrRestartedIfItCannotShowItIsReady() throws Exception {
        cluster.ok("start", "--name", "hog", "--port", Integer.toString(ClusterFixture.freePort()), "--bind", "self",
                "--max-memory-restart", "150M", "--", JAVA, "-Xmx1g", "-cp", TEST_CLASSES.toString(), Hog.class.getName());
        cluster.ok("start", "--name", "quiet", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "1s",
                "--max-memory-restart", "150M", "--", JAVA, "-Xmx1g", "-cp", TEST_CLASSES.toString(), Hog.class.getName(), "quiet");
        long hog = cluster.worker("hog", 0).pid();
        long quiet = cluster.worker("quiet", 0).pid();
        ClusterFixture.await("both replaced for their memory", Duration.ofSeconds(60), () -> {
            WorkerInfo h = cluster.worker("hog", 0);
            WorkerInfo q = cluster.worker("quiet", 0);
            return h.pid() != null && h.pid() != hog && h.state().equals("online") && q.pid() != null && q.pid() != quiet;
        });
        String log = daemonLog();
        assertTrue(log.matches("(?s).*hog:0 \\(pid " + hog + "\\) uses 1\\d\\dM of memory, over --max-memory-restart 150M: replacing it without downtime.*"
                + "memory restart: hog worker 1/1 ready in .*"), log);
        assertTrue(log.contains("quiet:0: no replacement got ready"), log);
        assertTrue(log.contains("restarting it instead"), log);
        ClusterFixture.await("the leaking workers gone", Duration.ofSeconds(10), () -> !ClusterFixture.isRunning(hog) && !ClusterFixture.isRunning(quiet));
    }

    @Test
    void aWorkerWithEveryLoopStuckGetsAThreadDumpInItsLogAndIsRestarted() throws Exception {
        String classpath = WORKER_APP_JAR + ":" + TEST_CLASSES; // the worker-app jar carries Netty and the library
        cluster.ok("start", "--name", "stuck", "--port", Integer.toString(ClusterFixture.freePort()), "--hang-timeout", "3s",
                "--", JAVA, "-cp", classpath, StuckLoops.class.getName());
        long first = cluster.worker("stuck", 0).pid();
        ClusterFixture.await("stuck:0 killed and restarted", Duration.ofSeconds(30), () -> {
            WorkerInfo w = cluster.worker("stuck", 0);
            return w.restarts() >= 1 && w.pid() != null && w.pid() != first;
        });
        String out = Files.readString(cluster.home().resolve("logs").resolve("stuck-0-out.log"));
        assertTrue(out.contains("sticking every loop"), out);
        assertTrue(out.contains("Full thread dump"), "SIGQUIT's thread dump in the out log:\n" + out);
        assertTrue(out.contains("dev.cluster.it.StuckLoops.stuckForGood"), "the dump shows where the loops are stuck");
        String log = daemonLog();
        assertTrue(log.contains("stuck:0 (pid " + first + ") is hung: every event loop stuck for"), log);
        assertTrue(cluster.ok("describe", "stuck:0").out().contains("killed by signal 9"), "the crash path took over");
    }

    @Test
    void aFrozenWorkerIsKilledAndRestarted() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web", "--hang-timeout", "3s");
        WorkerInfo frozen = cluster.worker("web", 1);
        // SIGSTOP: a stop-the-world pause that never ends, as the supervisor sees it.
        assertEquals(0, new ProcessBuilder("kill", "-STOP", frozen.pid().toString()).start().waitFor());
        ClusterFixture.await("web:1 replaced", Duration.ofSeconds(30), () -> {
            WorkerInfo w = cluster.worker("web", 1);
            return w.pid() != null && !w.pid().equals(frozen.pid()) && w.state().equals("online");
        });
        assertTrue(daemonLog().contains("web:1 (pid " + frozen.pid() + ") is hung: no report for"), daemonLog());
        assertNotEquals(frozen.pid(), cluster.worker("web", 1).pid());
        assertEquals(0, cluster.worker("web", 0).restarts(), "the other worker was left alone");
        assertEquals(200, Http.get(port, "/").status());
    }

    @Test
    void badLimitsAreRefusedWithTheFix() {
        ClusterFixture.Result tiny = cluster.cluster("start", WORKER_APP_JAR.toString(), "--max-memory-restart", "10M");
        assertEquals(1, tiny.exit(), tiny.toString());
        assertTrue(tiny.err().startsWith("cluster: --max-memory-restart must be at least 32M"), tiny.toString());
        ClusterFixture.Result notASize = cluster.cluster("start", WORKER_APP_JAR.toString(), "--max-memory-restart", "lots");
        assertEquals(1, notASize.exit(), "one exit code for any bad value: " + notASize);
        assertTrue(notASize.err().contains("'lots' is not a size: use e.g. 512M"), notASize.toString());
        ClusterFixture.Result quick = cluster.cluster("start", WORKER_APP_JAR.toString(), "--hang-timeout", "500ms");
        assertEquals(1, quick.exit(), quick.toString());
        assertTrue(quick.err().startsWith("cluster: --hang-timeout must be at least 2s"), quick.toString());
    }
}
