package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reload and scale under load from keep-alive and per-request clients. The tests tagged
 * {@code bind-modes} run twice: in handoff mode (the default) and, in failsafe's self-bind run, with
 * {@code --bind self} ({@link ClusterFixture#BIND}).
 */
class ReloadIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private int startWeb(Path jar, int instances, String... extra) {
        int port = ClusterFixture.freePort();
        List<String> args = new java.util.ArrayList<>(List.of("start", jar.toString(), "-i", Integer.toString(instances),
                "--port", Integer.toString(port), "--name", "web", "--bind", ClusterFixture.BIND));
        args.addAll(List.of(extra));
        cluster.ok(args.toArray(String[]::new));
        return port;
    }

    private Set<Long> pids() {
        return cluster.list().stream().map(WorkerInfo::pid).collect(Collectors.toSet());
    }

    /**
     * The deploy of Capistrano and its kind: each release in a directory of its own, {@code current} a symlink switched to
     * the new one, then a reload. An app started from inside {@code current} (its jar or command named relative to it) must
     * keep the link, not the release it pointed at then, or the reload restarts the old release.
     */
    @Test
    void aReloadAfterTheCurrentSymlinkIsSwitchedRunsTheNewRelease() throws Exception {
        Path releases = Files.createDirectories(cluster.home().resolve("releases"));
        for (String release : List.of("1", "2")) {
            Path script = Files.createDirectories(releases.resolve(release)).resolve("run.sh");
            Files.writeString(script, "#!/bin/sh\nexec sleep 1000\n");
            script.toFile().setExecutable(true);
        }
        Path current = Files.createSymbolicLink(cluster.home().resolve("current"), releases.resolve("1"));
        List<String> inCurrent = List.of("sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", current.toString()); // as a shell's cd: $PWD keeps the link
        ClusterFixture.Result start = cluster.clusterUnder(inCurrent, "start", "--name", "deploy", "--listen-timeout", "0", "--", "./run.sh");
        assertEquals(0, start.exit(), start.toString());
        assertTrue(cluster.ok("describe", "deploy").out().contains("  cwd            " + current + "\n"), cluster.ok("describe", "deploy").out());
        assertEquals(releases.resolve("1"), Files.readSymbolicLink(Path.of("/proc", cluster.worker("deploy", 0).pid().toString(), "cwd")));

        Path next = Files.createSymbolicLink(cluster.home().resolve("current.next"), releases.resolve("2"));
        Files.move(next, current, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        cluster.ok("reload", "deploy");
        assertEquals(releases.resolve("2"), Files.readSymbolicLink(Path.of("/proc", cluster.worker("deploy", 0).pid().toString(), "cwd")));
    }

    /** A start script that runs a plain server (no library, no agent) without exec: its server's port is its readiness. */
    @Test
    void aScriptsServerListeningIsItsReadinessAndItReloads() throws Exception {
        Path script = cluster.home().resolve("start.sh");
        Files.writeString(script, "#!/bin/sh\n" + ClusterFixture.JAVA + " -cp " + ClusterFixture.TEST_CLASSES + " " + PlainServer.class.getName() + "\n");
        script.toFile().setExecutable(true);
        int port = ClusterFixture.freePort();
        cluster.ok("start", "--name", "plain", "-i", "2", "--port", Integer.toString(port), "--", script.toString());
        String describe = cluster.ok("describe", "plain").out();
        assertTrue(describe.contains("launching -> online (listening on port " + port + ")"), "ready when its server listened: " + describe);
        long before = cluster.worker("plain", 0).pid();
        String answer = Http.get(port, "/").body();
        assertTrue(answer.contains("pid=" + before + " ") || answer.contains("pid=" + cluster.worker("plain", 1).pid() + " "),
                "list shows the server's pid, not the script's: " + answer);
        ClusterFixture.Result reload = cluster.ok("reload", "plain");
        assertTrue(reload.out().contains("plain worker 1/2 ready in"), reload.toString());
        assertNotEquals(before, cluster.worker("plain", 0).pid());
        assertEquals(200, Http.get(port, "/").status());
    }

    /** An operator who stops an app mid-reload (a slow new version) is not told to wait: the reload ends, and nothing comes back. */
    @Test
    void aStopDuringAReloadEndsTheReloadAndTheAppStaysStopped() throws Exception {
        // The new version (NEW_VERSION=1) takes a minute to start: it is surely starting when the stop comes.
        cluster.ok("start", "--name", "slow", "-i", "2", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "2m",
                "--", "sh", "-c", "if [ \"$NEW_VERSION\" = 1 ]; then sleep 60; fi; exec " + ClusterFixture.JAVA + " -cp "
                        + ClusterFixture.TEST_CLASSES + " " + PlainServer.class.getName());
        long daemon = cluster.daemonPid();
        Process reload = cluster.spawn("reload", "slow", "--update-env", "--env", "NEW_VERSION=1");
        ClusterFixture.await("the first replacement", Duration.ofSeconds(30), () -> cluster.daemonLog().contains("slow:0 replacement pid"));

        ClusterFixture.Result stop = cluster.ok("stop", "slow");
        assertTrue(stop.out().contains("stopped 2 worker(s)"), stop.toString());
        assertTrue(reload.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the reload answers once the stop has ended it");
        String said = new String(reload.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                + new String(reload.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, reload.exitValue(), said);
        assertTrue(said.contains("reload stopped: slow:0 replacement stopped with its worker (stop requested)"), said);
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("stopped")), cluster.list().toString());
        assertEquals(List.of(daemon), cluster.processesOfThisHome(), "no worker left, none started again");
    }

    @Test
    @Tag("bind-modes")
    void threeReloadsUnderLoadFailNoRequest() throws Exception {
        int port = startWeb(WORKER_APP_JAR, 2, "--listen-timeout", "60s");
        Set<Long> before = pids();
        LoadClient load = new LoadClient(port, 4, 4);
        try {
            load.awaitAnswered(50);
            for (int i = 0; i < 3; i++) {
                ClusterFixture.Result reload = cluster.ok("reload", "web");
                assertTrue(reload.out().contains("web worker 1/2 ready in") && reload.out().contains("old drained in"), reload.toString());
            }
            load.awaitAnswered(50);
        } finally {
            load.close();
        }
        assertEquals(0, load.failed(), "failed requests: " + load.failures());
        assertTrue(load.ok() > 200, "only " + load.ok() + " requests succeeded");
        List<WorkerInfo> after = cluster.list();
        assertEquals(2, after.size());
        assertTrue(after.stream().allMatch(w -> w.state().equals("online") && w.restarts() == 3), after.toString());
        assertTrue(after.stream().noneMatch(w -> before.contains(w.pid())), "every worker was replaced");
    }

    @Test
    void theTelemetryHistoryOfAWorkerContinuesAcrossAReload() throws Exception {
        startWeb(WORKER_APP_JAR, 1);
        long before = cluster.worker("web", 0).pid();
        // At least three seconds of reports, so that a history begun afresh by the replacement would hold fewer.
        ClusterFixture.await("a few reports", Duration.ofSeconds(30), () -> samples("1s") > 0 && samples("10m") >= 3 * samples("1s"));
        long sampled = samples("10m");
        cluster.ok("reload", "web");
        long after = cluster.worker("web", 0).pid();
        assertTrue(samples("10m") >= sampled, "the 10 minute window still holds the samples from before the reload");
        // Where the new process's part begins is noted at its first report (a second after its start, later on a busy machine).
        ClusterFixture.await("describe names both processes of the history", Duration.ofSeconds(15), () -> {
            String describe = cluster.ok("describe", "web").out();
            return describe.contains("processes  pid " + before + " from ") && describe.contains("pid " + after + " from ");
        });
    }

    /**
     * A delete while a reload's old process still drains (a slow request in it): the command returns once that process's
     * socket is closed too, not only the serving process's, so an app started next on the port finds none of the deleted
     * app's sockets in its group (it could not steer its connections).
     */
    @Test
    void aDeleteDuringAReloadsDrainReturnsOnceTheDrainingProcessesSocketIsClosed() throws Exception {
        int port = startWeb(WORKER_APP_JAR, 1, "--kill-timeout", "30s");
        try (Http.Pending slow = Http.send(port, "/slow?ms=8000", 30_000)) { // served by the old process, which drains 8 s
            Process reload = cluster.spawn("reload", "web");
            ClusterFixture.await("the replacement to take over", Duration.ofSeconds(30), () -> cluster.daemonLog().contains("takes over from"));
            cluster.ok("delete", "web");
            List<String> log = cluster.daemonLog().lines().toList();
            List<String> beforeDelete = log.subList(0, log.indexOf(log.stream().filter(l -> l.contains("deleted [web]")).findFirst().orElseThrow()));
            assertEquals(2, beforeDelete.stream().filter(l -> l.contains("listening socket on port " + port + " closed")).count(),
                    "the new process's socket and the draining one's: " + log);
            assertEquals(200, slow.reply().status(), "the draining process answered what it had");
            assertTrue(reload.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the reload answers once the delete has ended it");
        }
    }

    private com.fasterxml.jackson.databind.JsonNode telemetry() {
        return dev.cluster.protocol.Wire.mapper().valueToTree(cluster.request(new dev.cluster.protocol.Request.Describe("web", null)).apps())
                .path(0).path("workers").path(0).path("telemetry");
    }

    private long samples(String window) {
        return telemetry().path("lag").path(window).path("samples").asLong();
    }

    /** A deploy by copying onto the jar (cp), which running JVMs still read classes from: said in list and describe, until a reload. */
    @Test
    void aJarOverwrittenInPlaceUnderItsWorkersIsSaidUntilAReload() throws Exception {
        Path jar = cluster.home().resolve("app.jar");
        Files.copy(WORKER_APP_JAR, jar);
        startWeb(jar, 2);
        Files.write(jar, Files.readAllBytes(WORKER_APP_JAR)); // in place: the same file, written again, as cp does
        String seen = "web:0,1 " + jar + " was overwritten in place (seen at ";
        ClusterFixture.await("list says so", Duration.ofSeconds(15), () -> cluster.ok("list").out().contains(seen));
        assertTrue(cluster.ok("list").out().contains(") while they run from it: their classes may fail to load; 'cluster reload web' now"));
        assertTrue(cluster.ok("describe", "web:0").out().contains("JAR          " + jar + " was overwritten in place (seen at "));
        assertEquals(2, Files.readAllLines(cluster.home().resolve("daemon.log")).stream()
                .filter(l -> l.contains(jar + " was overwritten in place")).count(), "logged once per worker");

        cluster.ok("reload", "web");
        assertTrue(!cluster.ok("list").out().contains("overwritten"), "the new workers started from the jar as it is now");
    }

    @Test
    @Tag("bind-modes")
    void aReloadToAJarThatFailsAtStartUpKeepsTheOldWorkers() throws Exception {
        Path jar = cluster.home().resolve("app.jar");
        Files.copy(WORKER_APP_JAR, jar);
        int port = startWeb(jar, 2);
        Set<Long> before = pids();
        LoadClient load = new LoadClient(port, 2, 2);
        ClusterFixture.Result reload;
        ClusterFixture.Result refused;
        try {
            // What java -jar would refuse is refused before a replacement starts.
            Files.writeString(cluster.home().resolve("broken.jar"), "not a jar");
            Files.move(cluster.home().resolve("broken.jar"), jar, StandardCopyOption.REPLACE_EXISTING);
            refused = cluster.cluster("reload", "web");
            // A jar whose Main-Class is not in it fails only as it starts.
            writeJar(cluster.home().resolve("broken.jar"), "com.example.Missing", null);
            Files.move(cluster.home().resolve("broken.jar"), jar, StandardCopyOption.REPLACE_EXISTING);
            reload = cluster.cluster("reload", "web");
        } finally {
            load.close();
        }
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().startsWith("cluster: app 'web' cannot start a worker now: " + jar + " is not a jar that can be read")
                && refused.err().strip().endsWith("nothing was reloaded"), refused.toString());
        assertEquals(1, reload.exit(), reload.toString());
        assertTrue(reload.err().contains("web:0 replacement exited with code 1 before it was ready"), reload.toString());
        assertTrue(reload.err().contains("keeps serving with pid"), reload.toString());
        assertTrue(reload.err().contains("com.example.Missing"), "the replacement's stderr is shown: " + reload);
        assertEquals(before, pids(), "the old workers still serve");
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("online")));
        assertEquals(0, load.failed(), "failed requests: " + load.failures());
        assertEquals(200, Http.get(port, "/health").status());
    }

    @Test
    @Tag("bind-modes")
    void aReloadToAJarThatNeverGetsReadyIsAbandonedAfterTheListenTimeout() throws Exception {
        Path jar = cluster.home().resolve("app.jar");
        Files.copy(WORKER_APP_JAR, jar);
        int port = startWeb(jar, 2, "--listen-timeout", "3s");
        Set<Long> before = pids();
        writeSleeperJar(cluster.home().resolve("sleeper.jar"));
        Files.move(cluster.home().resolve("sleeper.jar"), jar, StandardCopyOption.REPLACE_EXISTING);
        LoadClient load = new LoadClient(port, 2, 2);
        ClusterFixture.Result reload;
        try {
            reload = cluster.cluster("reload", "web");
        } finally {
            load.close();
        }
        assertEquals(0, load.failed(), "failed requests: " + load.failures());
        assertEquals(1, reload.exit(), reload.toString());
        assertTrue(reload.err().contains("web:0 replacement not ready within the listen timeout of 3000 ms"), reload.toString());
        assertEquals(before, pids());
        assertEquals(200, Http.get(port, "/health").status());
        ClusterFixture.await("the abandoned replacement is gone", Duration.ofSeconds(10),
                () -> cluster.processesOfThisHome().stream().noneMatch(pid -> ProcessHandle.of(pid)
                        .flatMap(p -> p.info().commandLine()).orElse("").contains("app.jar") && !before.contains(pid) && !isDaemon(pid)));
    }

    private boolean isDaemon(long pid) {
        try {
            return pid == cluster.daemonPid();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    @Tag("bind-modes")
    void scalingTwoToFourToOneUnderLoadFailsNoRequest() throws Exception {
        // A generous listen timeout: this asserts no failed request, not how fast a JVM starts on a busy machine.
        int port = startWeb(WORKER_APP_JAR, 2, "--listen-timeout", "60s");
        LoadClient load = new LoadClient(port, 4, 4);
        try {
            ClusterFixture.Result up = cluster.ok("scale", "web", "4");
            assertTrue(up.out().contains("from 2 to 4"), up.toString());
            assertEquals(Set.of(0, 1, 2, 3), cluster.list().stream().map(WorkerInfo::id).collect(Collectors.toSet()));
            assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("online")));
            load.awaitAnswered(50);
            ClusterFixture.Result down = cluster.ok("scale", "web", "-3");
            assertTrue(down.out().contains("from 4 to 1"), down.toString());
            load.awaitAnswered(50);
        } finally {
            load.close();
        }
        List<WorkerInfo> left = cluster.list();
        assertEquals(1, left.size(), left.toString());
        assertEquals(0, left.get(0).id(), "scaling down drains the highest ids");
        assertEquals(0, load.failed(), "failed requests: " + load.failures());
        assertTrue(load.ok() > 100);
        // The leaving slots' sockets were steered away from and drained before their workers went: nothing queued was reset.
        String daemonLog = Files.readString(cluster.home().resolve("daemon.log"));
        assertTrue(daemonLog.contains("web:3 stopping -> stopped") && !daemonLog.contains("cannot steer"), daemonLog);
    }

    @Test
    void reloadWithUpdateEnvGivesTheNewWorkersTheNewEnvironmentAndJvmOptions() throws Exception {
        startWeb(WORKER_APP_JAR, 1, "--env", "GREETING=hi");
        cluster.ok("reload", "web", "--update-env", "--env", "GREETING=bye", "--jvm-args", "-Xmx200m -Dcluster.test=1");
        long pid = cluster.worker("web", 0).pid();
        String commandLine = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("");
        assertTrue(commandLine.contains("-Xmx200m -Dcluster.test=1 -jar"), commandLine);
        String environ = Files.readString(Path.of("/proc", Long.toString(pid), "environ")).replace('\0', '\n');
        assertTrue(environ.contains("\nGREETING=bye\n"), "the new worker's environment: " + environ);
        assertTrue(cluster.ok("describe", "web", "--show-env").out().contains("GREETING=bye"));
        ClusterFixture.Result refused = cluster.cluster("reload", "web", "--env", "GREETING=x");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("need --update-env"), refused.toString());
    }

    @Test
    @Tag("bind-modes")
    void killNineUnderPerRequestLoadFailsOnlyWhatWasInFlight() throws Exception {
        int threads = 4;
        int port = startWeb(WORKER_APP_JAR, 2);
        long victim = cluster.worker("web", 0).pid();
        LoadClient load = new LoadClient(port, 0, threads);
        try {
            load.awaitAnswered(50);
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            ClusterFixture.await("web:0 replaced", Duration.ofSeconds(30), () -> {
                WorkerInfo w = cluster.worker("web", 0);
                return w.state().equals("online") && !w.pid().equals(victim);
            });
            load.awaitAnswered(50);
        } finally {
            load.close();
        }
        // Connections queued on web:0's socket while it was down waited for the replacement.
        assertTrue(load.failed() <= threads, load.failed() + " failed, more than the " + threads + " in flight: " + load.failures());
        assertTrue(load.ok() > 100);
    }

    @Test
    void aSecondCommandOnAnAppBeingReloadedIsRefused() throws Exception {
        startWeb(WORKER_APP_JAR, 2);
        Process reload = cluster.spawn("reload", "web");
        ClusterFixture.await("the reload under way", Duration.ofSeconds(20),
                () -> cluster.list().stream().filter(w -> w.id() == 0).count() == 2);
        ClusterFixture.Result second = cluster.cluster("restart", "web");
        assertNotEquals(0, second.exit());
        assertTrue(second.err().contains("app 'web' is busy with a reload"), second.toString());
        assertEquals(0, reload.waitFor(), "the first reload completes");
    }

    /** Regression: a reload of a crash-looping slot ran a replacement beside its restart and said the never-ready pid "keeps serving". */
    @Test
    void aReloadOfACrashLoopingSlotRestartsItInPlaceAndClaimsNothingServes() {
        int port = ClusterFixture.freePort();
        cluster.cluster("start", "--port", Integer.toString(port), "--name", "crashy", "--restart-delay", "50ms", "--max-restarts", "1000",
                "--", "sh", "-c", "sleep 0.3; exit 3");
        ClusterFixture.Result reload = cluster.cluster("reload", "crashy");
        assertEquals(1, reload.exit(), reload.toString());
        assertTrue(reload.err().contains("crashy:0 exited with code 3 before it was ready"), reload.toString());
        assertTrue(!reload.err().contains("keeps serving"), "nothing was serving: " + reload);
        assertEquals(1, cluster.list().size(), "no replacement was left beside it: " + cluster.list());
    }

    /** A jar whose main never binds and never says ready. */
    private static void writeSleeperJar(Path jar) throws Exception {
        writeJar(jar, Sleeper.class.getName(), Sleeper.class.getName().replace('.', '/') + ".class");
    }

    /** A jar whose manifest names {@code mainClass}, holding the test class {@code entry} (or nothing). */
    private static void writeJar(Path jar, String mainClass, String entry) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            if (entry != null) {
                out.putNextEntry(new JarEntry(entry));
                Files.copy(ClusterFixture.TEST_CLASSES.resolve(entry), out);
            }
        }
    }
}
