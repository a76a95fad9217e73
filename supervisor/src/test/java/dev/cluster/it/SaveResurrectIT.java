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

/**
 * The app list survives a supervisor killed with SIGKILL, and a start before the resurrect; a
 * damaged list falls back to its backup.
 */
class SaveResurrectIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    /** {@code cluster args...} in the mount namespace of process {@code pid} (where the home is a small tmpfs). */
    private ClusterFixture.Result in(long pid, String... args) {
        return cluster.clusterUnder(List.of("nsenter", "-t", Long.toString(pid), "-m"), args);
    }

    /** A shell script in that namespace, with {@code $CLUSTER_HOME} set to this test's home. */
    private String shellIn(long pid, String script) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-m", "sh", "-c", script).redirectErrorStream(true);
        builder.environment().put("CLUSTER_HOME", cluster.home().toString());
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private static boolean mountNamespacesPermitted() {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void onAFullDiskAChangeThatCannotBeSavedSaysSoLeavesNoTemporaryFileAndDroppedOutputIsShown() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(mountNamespacesPermitted(), "skipped: 'unshare -m' is not permitted here (needs root)");
        // The home is a 64 MB tmpfs in a mount namespace of its own: the daemon started in it keeps it; a full disk without touching the machine's.
        String mount = "mount -t tmpfs -o size=64m,mode=0700 tmpfs \"$CLUSTER_HOME\" && exec \"$@\"";
        ClusterFixture.Result started = cluster.clusterUnder(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", mount, "sh"),
                "start", "--name", "web", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "0", "--", "sleep", "600");
        assertEquals(0, started.exit(), started.toString());
        long daemon = cluster.processesOfThisHome().stream().filter(pid -> ProcessHandle.of(pid).flatMap(p -> p.info().commandLine())
                .orElse("").contains("DaemonMain")).findFirst().orElseThrow();
        String list = shellIn(daemon, "cat \"$CLUSTER_HOME/apps.json\"");
        assertTrue(list.contains("\"instances\":1"), list);
        in(daemon, "start", "--name", "noisy", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "0",
                "--", JAVA, "-cp", TEST_CLASSES.toString(), EscapePrinter.class.getName());

        shellIn(daemon, "cat /dev/zero > \"$CLUSTER_HOME/filler\""); // until the disk is full
        ClusterFixture.await("list to say noisy's output is dropped", Duration.ofSeconds(20), () -> in(daemon, "list").out()
                .contains("noisy:0 output is being dropped: cannot write noisy-0-out.log (No space left on device)"));
        assertTrue(in(daemon, "describe", "noisy").out().contains("DROPPING     its output: cannot write noisy-0-out.log"));
        ClusterFixture.Result scale = in(daemon, "scale", "web", "2");
        assertEquals(1, scale.exit(), scale.toString());
        assertTrue(scale.err().contains("scaled web from 1 to 2 worker(s), but the app list could not be saved")
                && scale.err().contains("No space left on device") && scale.err().contains("'cluster save'"), scale.toString());
        assertEquals(1, scale.errLines().size(), "one line: " + scale);
        String files = shellIn(daemon, "ls -a \"$CLUSTER_HOME\"");
        assertFalse(files.contains("apps.json.tmp"), "a temporary file was left: " + files);
        assertTrue(shellIn(daemon, "cat \"$CLUSTER_HOME/apps.json\"").contains("\"instances\":1"), "the saved list is still whole");
        assertEquals(2, in(daemon, "list", "--json").out().split("\"app\":\"web\"", -1).length - 1, "the change runs");
        assertTrue(in(daemon, "list").out().contains("noisy:0 output is being dropped"));

        shellIn(daemon, "rm \"$CLUSTER_HOME/filler\"");
        assertEquals(0, in(daemon, "save").exit());
        assertTrue(shellIn(daemon, "cat \"$CLUSTER_HOME/apps.json\"").contains("\"instances\":2"));
        ClusterFixture.await("noisy's output written again", Duration.ofSeconds(20),
                () -> !in(daemon, "list").out().contains("output is being dropped"));
        // a line of its own, after whatever part of a line the full disk took
        String log = shellIn(daemon, "grep '^\\[cluster] ' \"$CLUSTER_HOME/logs/noisy-0-out.log\"");
        assertTrue(log.matches("\\[cluster] [1-9]\\d* KB of output dropped from \\S+Z to \\S+Z: cannot write noisy-0-out.log \\(No space left on device\\)\\n"),
                "the gap is marked in the file where it is: " + log);
    }

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
        ClusterFixture.Result sleeping = cluster.ok("start", "--name", "sleeper", "--port", Integer.toString(ClusterFixture.freePort()),
                "--listen-timeout", "1s", "--", JAVA, "-cp", TEST_CLASSES.toString(), Sleeper.class.getName());
        assertTrue(sleeping.err().startsWith("cluster: sleeper: its workers neither said ready nor listened on port ")
                && sleeping.err().contains("give it --listen-timeout 0"), "a program that serves no port is told how to start it: " + sleeping);
        cluster.ok("scale", "web", "3");
        Path saved = cluster.home().resolve("apps.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));
        assertTrue(Files.readString(saved).contains("\"instances\":3"), "saved on scale, without 'cluster save': " + Files.readString(saved));

        killDaemonHard();
        String before = Files.readString(saved);
        // Starts before the resurrect (a fresh supervisor; a file of two apps): they run, and do not save over the apps saved.
        String sleeper = "[" + String.join(", ", JAVA, "-cp", TEST_CLASSES.toString(), Sleeper.class.getName()) + "]";
        Path file = Files.writeString(cluster.home().resolve("early.yaml"), "apps:\n"
                + "  - {name: early, port: " + ClusterFixture.freePort() + ", listen-timeout: 0, command: " + sleeper + "}\n"
                + "  - {name: late, port: " + ClusterFixture.freePort() + ", listen-timeout: 0, command: " + sleeper + "}\n");
        ClusterFixture.Result early = cluster.ok("start", file.toString());
        assertEquals(1, early.errLines().size(), "one note for the command: " + early);
        assertTrue(early.err().startsWith("cluster: not saved: apps.json keeps its 2 saved app(s) (web, sleeper), saved at "), early.toString());
        assertEquals(before, Files.readString(saved), "the saved list as it was");
        ClusterFixture.Result back = cluster.ok("resurrect");
        assertTrue(back.out().startsWith("resurrected 2 of 2 app(s) saved at "), back.toString());
        assertTrue(Files.readString(saved).contains("\"name\":\"early\""), "then saved with what runs: " + Files.readString(saved));
        List<WorkerInfo> workers = cluster.list();
        assertEquals(Set.of("web:0", "web:1", "web:2", "sleeper:0", "early:0", "late:0"), workers.stream().map(w -> w.app() + ":" + w.id())
                .collect(Collectors.toSet()));
        assertTrue(workers.stream().allMatch(w -> w.state().equals("online")), workers.toString());
        assertTrue(Http.get(port, "/").status() == 200);
        assertTrue(cluster.ok("describe", "web", "--show-env").out().contains("COLOUR=blue"), "the environment came back too");
        String described = cluster.ok("describe", "early").out();
        assertTrue(described.contains("timeouts       listen 0 (online at once: it serves no port)")
                && described.contains("(--listen-timeout 0: it serves no port)"), "an app that serves no port is described so: " + described);

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
