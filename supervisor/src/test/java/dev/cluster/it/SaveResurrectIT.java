package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.cluster.it.ClusterFixture.JAVA;
import static dev.cluster.it.ClusterFixture.TEST_CLASSES;
import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The app list survives a supervisor killed with SIGKILL; a damaged list falls back to its backup. */
class SaveResurrectIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private void killDaemonHard() throws Exception {
        long daemon = cluster.daemonPid();
        List<Long> workers = cluster.list().stream().map(WorkerInfo::pid).toList();
        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
        ClusterFixture.await("the daemon and its workers gone", Duration.ofSeconds(10),
                () -> !ClusterFixture.isRunning(daemon) && workers.stream().noneMatch(ClusterFixture::isRunning));
    }

    @Test
    void aSupervisorKilledHardLosesNoAppAndResurrectBringsThemBackAsTheyWere() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web", "--env", "COLOUR=blue");
        cluster.ok("start", "--name", "sleeper", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "1s",
                "--", JAVA, "-cp", TEST_CLASSES.toString(), Sleeper.class.getName());
        cluster.ok("scale", "web", "3");
        Path saved = cluster.home().resolve("apps.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));
        assertTrue(Files.readString(saved).contains("\"instances\":3"), "saved on scale, without 'cluster save': " + Files.readString(saved));

        killDaemonHard();
        ClusterFixture.Result back = cluster.ok("resurrect");
        assertTrue(back.out().startsWith("resurrected 2 of 2 app(s) saved at "), back.toString());
        List<WorkerInfo> workers = cluster.list();
        assertEquals(Set.of("web:0", "web:1", "web:2", "sleeper:0"), workers.stream().map(w -> w.app() + ":" + w.id()).collect(Collectors.toSet()));
        assertTrue(workers.stream().allMatch(w -> w.state().equals("online")), workers.toString());
        assertTrue(Http.get(port, "/").status() == 200);
        assertTrue(cluster.ok("describe", "web", "--show-env").out().contains("COLOUR=blue"), "the environment came back too");

        ClusterFixture.Result again = cluster.ok("resurrect");
        assertTrue(again.out().contains("web is already running: left as it is"), again.toString());
    }

    @Test
    void aDamagedListIsReportedAndItsBackupUsed() throws Exception {
        cluster.ok("start", "--name", "first", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "1s",
                "--", JAVA, "-cp", TEST_CLASSES.toString(), Sleeper.class.getName());
        cluster.ok("start", "--name", "second", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "1s",
                "--", JAVA, "-cp", TEST_CLASSES.toString(), Sleeper.class.getName());
        killDaemonHard();
        Files.writeString(cluster.home().resolve("apps.json"), "{\"v\":1,\"apps\":[{\"name\":"); // a torn write, as a full disk leaves it

        ClusterFixture.Result back = cluster.ok("resurrect");
        assertTrue(back.out().contains("apps.json is unreadable (") && back.out().contains("using the backup apps.json.bak saved at"), back.toString());
        assertEquals(List.of("first"), cluster.list().stream().map(WorkerInfo::app).distinct().toList(), "the backup: the list before 'second'");
        assertFalse(back.err().contains("Exception"), back.toString());
    }

    @Test
    void nothingSavedIsAClearError() {
        ClusterFixture.Result r = cluster.cluster("resurrect");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("cluster: no saved apps in "), r.toString());
        assertTrue(cluster.ok("ping").out().startsWith("pong"), "the daemon keeps running");
    }
}
