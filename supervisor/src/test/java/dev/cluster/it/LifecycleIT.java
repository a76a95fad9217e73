package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LifecycleIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void stopRestartDeleteAndKillDoWhatTheySay() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web");
        long pid1 = cluster.worker("web", 1).pid();

        cluster.ok("stop", "web:1");
        assertEquals("stopped", cluster.worker("web", 1).state());
        assertFalse(ProcessHandle.of(pid1).map(ProcessHandle::isAlive).orElse(false), "stopped worker's process is gone");
        assertEquals("online", cluster.worker("web", 0).state());
        assertEquals(200, Http.get(port, "/health").status());
        String out = Files.readString(cluster.home().resolve("logs/web-1-err.log"));
        assertTrue(out.contains("draining (supervisor asked)"), "stopped over the worker socket, gracefully: " + out);

        long pid0 = cluster.worker("web", 0).pid();
        cluster.ok("restart", "web");
        List<WorkerInfo> restarted = cluster.list();
        assertTrue(restarted.stream().allMatch(w -> w.state().equals("online")), restarted.toString());
        assertNotEquals(pid0, cluster.worker("web", 0).pid());

        cluster.ok("stop", "all");
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("stopped")));
        assertThrows(java.io.IOException.class, () -> Http.get(port, "/"));

        // As PM2's 'pm2 start NAME': a stopped app's name starts it again; a running one's is refused.
        cluster.ok("start", "web");
        List<WorkerInfo> startedAgain = cluster.list();
        assertTrue(startedAgain.stream().allMatch(w -> w.state().equals("online")), startedAgain.toString());
        assertEquals(200, Http.get(port, "/health").status());
        ClusterFixture.Result twice = cluster.cluster("start", "web");
        assertEquals(1, twice.exit());
        assertTrue(twice.err().contains("an app named 'web' already exists"), twice.err());
        // One worker down: the name starts that one, and leaves the one serving alone.
        long serving = cluster.worker("web", 0).pid();
        cluster.ok("stop", "web:1");
        cluster.ok("start", "web");
        assertEquals(serving, cluster.worker("web", 0).pid(), "the running worker is not restarted");
        assertEquals("online", cluster.worker("web", 1).state());
        assertTrue(cluster.daemonLog().contains("web:1 stopped -> launching (start requested, pid " + cluster.worker("web", 1).pid() + ")"),
                "one request started the worker that was down: " + cluster.daemonLog());
        cluster.ok("stop", "all");

        cluster.ok("restart", "all");
        cluster.ok("delete", "web");
        assertEquals(List.of(), cluster.list());
        assertEquals(List.of(cluster.daemonPid()), cluster.processesOfThisHome(), "only the daemon is left");

        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "again");
        long daemon = cluster.daemonPid();
        cluster.ok("kill");
        assertFalse(ClusterFixture.isRunning(daemon), "kill returns once the daemon has exited (a zombie until init reaps it)");
        assertFalse(Files.exists(cluster.home().resolve("control.sock")), "kill removes the socket");
        assertEquals(List.of(), cluster.processesOfThisHome());
        assertEquals(0, cluster.cluster("kill").exit(), "kill without a daemon is not an error");
    }

    /**
     * A worker stopped by SIGSTOP (or a debugger) serves nothing: list says so, not "online", and new
     * connections go to the other worker until it runs again.
     */
    @Test
    void aWorkerWhoseProcessIsStoppedIsShownPausedAndSteeredAroundUntilItRunsAgain() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web");
        long paused = cluster.worker("web", 0).pid();
        long other = cluster.worker("web", 1).pid();
        new ProcessBuilder("kill", "-STOP", Long.toString(paused)).start().waitFor();
        try {
            ClusterFixture.await("web:0 shown paused", Duration.ofSeconds(10), () -> cluster.ok("list").out().contains(" paused "));
            String table = cluster.ok("list").out();
            assertTrue(table.lines().anyMatch(l -> l.startsWith("web  0") && l.contains(" paused ")), table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("web  1") && l.contains(" online ")), table);
            assertTrue(cluster.ok("list", "--json").out().contains("\"pid\":" + paused + ",\"state\":\"online\""), "online for scripts");
            assertTrue(cluster.ok("describe", "web:0").out().contains("PAUSED       its process is stopped (SIGSTOP, a debugger) and serves nothing; "
                    + "new connections go to the app's other workers; 'kill -CONT " + paused + "' resumes it"));
            for (int i = 0; i < 20; i++) { // steered by the native library, which CI builds (gcc)
                assertEquals(other, Http.whoamiPid(port, 5_000), "a new connection is answered by the worker that runs");
            }
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(paused)).start().waitFor();
        }
        ClusterFixture.await("web:0 online again", Duration.ofSeconds(10), () -> !cluster.ok("list").out().contains("paused"));
        ClusterFixture.await("web:0 answering new connections again", Duration.ofSeconds(10), () -> {
            try {
                return Http.whoamiPid(port, 5_000) == paused;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    /** The control socket removed under a running supervisor (the home deleted, a cleaner of old files): said, not "no apps". */
    @Test
    void aSupervisorWhoseSocketWasRemovedIsNamedAndKillStopsIt() throws Exception {
        cluster.ok("start", "--name", "job", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "0",
                "--", ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), Sleeper.class.getName());
        long daemon = cluster.daemonPid();
        long worker = cluster.worker("job", 0).pid();
        Files.delete(cluster.home().resolve("control.sock"));

        String unreachable = "cluster: the supervisor (pid " + daemon + ") of " + cluster.home() + " can no longer be reached: its control "
                + "socket was removed";
        for (String[] command : new String[][] {{"list"}, {"stop", "all"}, {"start", "--name", "second", "--", "true"}}) {
            ClusterFixture.Result r = cluster.cluster(command);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith(unreachable), r.toString());
            assertTrue(r.err().contains("and its 1 worker process(es) still run; 'cluster kill' stops it and them"), r.toString());
        }
        assertEquals(List.of(daemon, worker).stream().sorted().toList(), cluster.processesOfThisHome().stream().sorted().toList(),
                "no second supervisor was started");
        assertTrue(cluster.cluster("doctor").out().contains("the supervisor (pid " + daemon + ") of " + cluster.home() + " can no longer be reached"));

        ClusterFixture.Result kill = cluster.ok("kill");
        assertEquals("stopped the supervisor (pid " + daemon + "), which could no longer be reached (its control socket was removed), "
                + "and its 1 worker process(es)\n", kill.out());
        assertEquals(List.of(), cluster.processesOfThisHome());
    }

    private static boolean readByServer(Http.Pending request) {
        try {
            return request.readByServer();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether the process has {@code file} open. */
    private static boolean opened(long pid, Path file) {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (java.io.IOException e) {
                    return false; // closed meanwhile
                }
            });
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void stopLetsAnInFlightRequestFinishAndTheWorkerExitsZero() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        long pid = cluster.worker("web", 0).pid();
        try (Http.Pending inFlight = Http.send(port, "/slow?ms=1500", 10_000)) {
            ClusterFixture.await("the worker to read the request", Duration.ofSeconds(10), () -> readByServer(inFlight));
            long stopAt = System.nanoTime();
            cluster.ok("stop", "web");
            Http.Reply reply = inFlight.reply();
            assertEquals(200, reply.status());
            assertEquals("waited 1500 ms\n", reply.body());
            assertTrue(System.nanoTime() - stopAt < 5_000_000_000L, "stopped before the 5 s kill timeout");
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        String describe = cluster.ok("describe", "web").out();
        assertTrue(describe.contains("last exit    exited with code 0"), describe);
        assertTrue(describe.matches("(?s).*timeouts       listen \\S+ \\(auto: 5 x its slowest recent start of .*"), "the wait learnt from its start: " + describe);
    }

    @Test
    void aWorkerThatIgnoresSigtermIsKilledAfterTheKillTimeout() throws Exception {
        cluster.ok("start", "--name", "stubborn", "--listen-timeout", "0", "--kill-timeout", "1s", "--port",
                Integer.toString(ClusterFixture.freePort()), "--", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done");
        long started = System.nanoTime();
        cluster.ok("stop", "stubborn");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMs >= 1_000, "SIGKILL came before the kill timeout: " + tookMs + " ms");
        assertEquals("stopped", cluster.worker("stubborn", 0).state());
        String describe = cluster.ok("describe", "stubborn").out();
        assertTrue(describe.contains("killed by signal 9 (SIGKILL)"), describe);
        String log = Files.readString(cluster.home().resolve("daemon.log"));
        assertTrue(log.contains("did not exit within the kill timeout of 1000 ms: sending SIGKILL"), log);
    }

    /**
     * A restart owns its app until its workers are up again: a scale down meanwhile dropped a slot between its stop and its
     * start, and its new process was a worker no app knew, restarted in a loop out of sight. A stop meanwhile ends the restart.
     */
    @Test
    void aScaleDuringARestartIsRefusedAndAStopEndsIt() throws Exception {
        cluster.ok("start", "--name", "slow", "-i", "2", "--kill-timeout", "10s", "--port", Integer.toString(ClusterFixture.freePort()),
                "--", "sh", "-c", "trap '' TERM; exec " + ClusterFixture.JAVA + " -cp " + ClusterFixture.TEST_CLASSES + " " + PlainServer.class.getName());
        long daemon = cluster.daemonPid();
        Process restart = cluster.spawn("restart", "slow"); // its workers ignore SIGTERM: their stop lasts the kill timeout
        ClusterFixture.await("the restart's stops", Duration.ofSeconds(30), () -> cluster.daemonLog().contains("online -> stopping (restart requested)"));

        ClusterFixture.Result scale = cluster.cluster("scale", "slow", "1");
        assertEquals(1, scale.exit(), scale.toString());
        assertEquals("cluster: app 'slow' is busy with a restart: run the command again when it has finished", scale.err().strip());
        cluster.ok("stop", "slow");
        assertTrue(restart.waitFor(30, TimeUnit.SECONDS));
        String said = new String(restart.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, restart.exitValue(), said);
        assertTrue(said.contains("'cluster stop' came first: slow:"), said);
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("stopped")), cluster.list().toString());
        assertEquals(List.of(daemon), cluster.processesOfThisHome(), "no worker started after the stop");
    }

    /**
     * A start owns its app until its workers are up, as a restart does: a reload meanwhile restarted a starting worker in
     * place, and the start answered that its worker "was stopped before it was ready". A stop meanwhile ends the start.
     */
    @Test
    void aReloadDuringAStartIsRefusedAndAStopEndsIt() throws Exception {
        Process start = cluster.spawn("start", "--name", "starting", "--listen-timeout", "60s", "--port", Integer.toString(ClusterFixture.freePort()),
                "--", "sleep", "1000"); // listens on nothing: launching until its listen timeout
        ClusterFixture.await("the start's worker", Duration.ofSeconds(30), () -> cluster.daemonLog().contains("starting:0 stopped -> launching (start"));

        ClusterFixture.Result reload = cluster.cluster("reload", "starting");
        assertEquals(1, reload.exit(), reload.toString());
        assertEquals("cluster: app 'starting' is busy with a start: run the command again when it has finished", reload.err().strip());
        cluster.ok("stop", "starting");
        assertTrue(start.waitFor(30, TimeUnit.SECONDS));
        String said = new String(start.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, start.exitValue(), said);
        assertTrue(said.contains("starting:0 was stopped before it was ready (stop requested)"), said);
        assertEquals("stopped", cluster.list().get(0).state());
    }

    @Test
    void logsArePrefixedAndFollowedAcrossRestarts() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web");
        String logs = cluster.ok("logs", "web", "-n", "5").out();
        assertTrue(logs.contains("web|0 worker 0 (pid"), logs);
        assertTrue(logs.contains("web|1 worker 1 (pid"), logs);
        assertFalse(logs.contains("\u001b["), "no colour without a terminal");
        assertFalse(cluster.ok("logs", "web:1").out().contains("web|0"));
        List<String> json = cluster.ok("logs", "web:1", "--out", "--json", "-n", "3").out().lines().toList();
        assertFalse(json.isEmpty() || json.size() > 3, json.toString());
        for (String line : json) {
            var node = dev.cluster.protocol.Wire.mapper().readTree(line);
            assertEquals("web", node.get("app").asText(), line);
            assertEquals(1, node.get("id").asInt(), line);
            assertEquals("out", node.get("stream").asText(), line);
        }
        assertTrue(json.stream().anyMatch(l -> l.contains("worker 1 (pid")), json.toString());

        Process follow = cluster.spawn("logs", "web:0", "-f", "-n", "0");
        List<String> followed = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(followed::add);
            } catch (java.io.IOException e) {
                // the process was killed
            }
        });
        reader.start();
        Path outLog = cluster.home().resolve("logs").resolve("web-0-out.log");
        ClusterFixture.await("logs -f to open " + outLog, Duration.ofSeconds(20), () -> opened(follow.pid(), outLog));
        cluster.ok("restart", "web:0");
        long newPid = cluster.worker("web", 0).pid();
        ClusterFixture.await("the restarted worker's first line", Duration.ofSeconds(10),
                () -> followed.stream().anyMatch(l -> l.startsWith("web|0 ") && l.contains("(pid " + newPid + ")")));
        assertTrue(followed.stream().allMatch(l -> l.startsWith("web|0 ")), followed.toString());
        follow.destroy();
        follow.waitFor(5, TimeUnit.SECONDS);
    }

    @Test
    void runServesInTheForegroundAndStopsGracefullyOnSigterm() throws Exception {
        int port = ClusterFixture.freePort();
        Process run = cluster.spawn("run", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "fg");
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))
                .lines().forEach(output::add));
        reader.start();
        ClusterFixture.await("both workers online, seen from another CLI", Duration.ofSeconds(30), () -> {
            if (!java.nio.file.Files.exists(cluster.home().resolve("control.sock"))) {
                return false;
            }
            List<WorkerInfo> workers = cluster.list();
            return workers.size() == 2 && workers.stream().allMatch(w -> w.state().equals("online"));
        });
        List<Long> pids = cluster.list().stream().map(WorkerInfo::pid).toList();
        assertEquals(200, Http.get(port, "/health").status());

        ClusterFixture.Result second = cluster.cluster("run");
        assertEquals(1, second.exit());
        assertTrue(second.err().contains("already running"), second.toString());

        run.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its stdout
        assertTrue(run.waitFor(30, TimeUnit.SECONDS), "run exits after SIGTERM");
        assertEquals(0, run.exitValue(), String.join("\n", output));
        assertTrue(pids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        reader.join(5_000);
        assertTrue(output.stream().anyMatch(l -> l.contains("fg:0 stopping -> stopped")), String.join("\n", output));
        assertFalse(Files.exists(cluster.home().resolve("control.sock")));
    }
}
