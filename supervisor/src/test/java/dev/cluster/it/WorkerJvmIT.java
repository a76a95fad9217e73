package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each worker JVM is started with: its share of the machine ({@code --share}), and which java ({@code --java}). */
class WorkerJvmIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String commandLine(long pid) throws Exception {
        return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
    }

    private static String environment(long pid) throws Exception {
        return "\n" + Files.readString(Path.of("/proc", Long.toString(pid), "environ")).replace('\0', '\n');
    }

    @Test
    void eachWorkerGetsItsShareOfTheMachineUnlessItsOwnOptionsOrShareOffSayOtherwise() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int share = Math.max(1, cores / 2);
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(ClusterFixture.freePort()), "--name", "web");
        long pid = cluster.worker("web", 0).pid();
        String cmd = commandLine(pid);
        assertTrue(cmd.contains("-XX:ActiveProcessorCount=" + share + " -XX:MaxRAMPercentage=12.5 -jar"), cmd);
        assertTrue(environment(pid).contains("\nCLUSTER_PROCESSORS=" + share + "\n"));
        String describe = cluster.ok("describe", "web").out();
        assertTrue(describe.contains("share          " + share + " processor(s), a heap of at most 12.5 % of the RAM per worker"), describe);
        // worker-app sizes its event loops by its share: one per processor.
        ClusterFixture.await("a report with its loops", java.time.Duration.ofSeconds(20),
                () -> cluster.ok("describe", "web:0").out().contains("of " + share + " event loops, merged"));
        // A JVM is sized once: after a scale the worker that ran keeps its share until a reload sizes it for the new count.
        String scaled = cluster.ok("scale", "web", "1").out();
        assertTrue(scaled.contains("worker 0 keeps the share of the machine it started with (--share): 'cluster reload web' sizes every worker for 1"),
                scaled);
        assertTrue(cluster.ok("describe", "web:0").out().contains("    share        sized for 2 worker(s) when it started: " + share + " processor(s)"));
        cluster.ok("reload", "web");
        assertTrue(commandLine(cluster.worker("web", 0).pid()).contains("-XX:ActiveProcessorCount=" + cores + " -XX:MaxRAMPercentage=25 -jar"));
        assertFalse(cluster.ok("describe", "web:0").out().contains("sized for"));

        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(ClusterFixture.freePort()), "--name", "own",
                "--jvm-args", "-Xmx128m -XX:ActiveProcessorCount=3");
        String own = commandLine(cluster.worker("own", 0).pid());
        assertFalse(own.contains("ActiveProcessorCount=" + share) || own.contains("MaxRAMPercentage"), own);
        assertTrue(cluster.ok("describe", "own").out().contains("processors as its own JVM options say, heap as its own JVM options say"));

        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(ClusterFixture.freePort()), "--name", "off", "--share", "off");
        long offPid = cluster.worker("off", 0).pid();
        assertFalse(commandLine(offPid).contains("-XX:ActiveProcessorCount"), commandLine(offPid));
        assertFalse(environment(offPid).contains("CLUSTER_PROCESSORS="));
    }

    @Test
    void javaRunsAJarAppOnAnotherJdkAndABadOneIsRefused() throws Exception {
        Optional<String> newer = Jdks.newer();
        Assumptions.assumeTrue(newer.isPresent(), "skipped: no JDK " + Jdks.NEWER + "+ beside the build's");
        Path home = Path.of(newer.get()).getParent().getParent();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(ClusterFixture.freePort()), "--name", "web",
                "--java", home.toString()); // a JDK's home stands for its bin/java
        WorkerInfo w = cluster.worker("web", 0);
        assertEquals(Path.of(newer.get()).toRealPath(), Path.of("/proc", Long.toString(w.pid()), "exe").toRealPath());
        // Netty's JNI library loads before the worker says it serves: by then JDK 24+ would have warned on stderr
        // (the jar's manifest enables native access; a library app gets no agent, nor the agent's --enable-native-access).
        Path out = cluster.home().resolve("logs/web-0-out.log");
        ClusterFixture.await("the worker's serving line in its log", Duration.ofSeconds(10),
                () -> Files.exists(out) && read(out).contains("serving http://"));
        Path err = cluster.home().resolve("logs/web-0-err.log");
        assertFalse(Files.exists(err) && read(err).contains("WARNING: A restricted method"), read(err));

        ClusterFixture.Result refused = cluster.cluster("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(ClusterFixture.freePort()),
                "--name", "bad", "--java", "/nonexistent/bin/java");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().startsWith("cluster: --java /nonexistent/bin/java is not a java executable"), refused.toString());
    }

    @Test
    void aReloadMovesAJarAppToAnotherJdkAndKeepsItThere() throws Exception {
        Optional<String> newer = Jdks.newer();
        Assumptions.assumeTrue(newer.isPresent(), "skipped: no JDK " + Jdks.NEWER + "+ beside the build's");
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web", "--start-cache", "off");
        List<Long> before = cluster.list().stream().map(WorkerInfo::pid).toList();

        ClusterFixture.Result refused = cluster.cluster("reload", "web", "--update-env", "--java", "/nonexistent/jdk");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().startsWith("cluster: --java /nonexistent/jdk is not a java executable"), refused.toString());
        assertEquals(before, cluster.list().stream().map(WorkerInfo::pid).toList(), "nothing replaced");

        cluster.ok("reload", "web", "--update-env", "--java", Path.of(newer.get()).getParent().getParent().toString());
        for (WorkerInfo w : cluster.list()) {
            assertFalse(before.contains(w.pid()), "replaced: " + w);
            assertEquals(Path.of(newer.get()).toRealPath(), Path.of("/proc", Long.toString(w.pid()), "exe").toRealPath());
        }
        assertEquals(200, Http.get(port, "/").status());
        assertTrue(read(cluster.home().resolve("apps.json")).contains(newer.get()), "saved: a resurrect starts it on that JDK");
    }
}
