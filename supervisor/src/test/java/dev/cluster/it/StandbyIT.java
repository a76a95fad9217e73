package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot standbys ({@code --standby N}) with real JVMs: one waits, listed as {@code standby}; a killed
 * worker's slot is taken over by it and serves as that worker (its id, its log file); another
 * starts behind it; {@code scale} takes standbys first; a reload leaves standbys of the new version.
 * For the library (worker-app) and for an unmodified server through the agent.
 */
class StandbyIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private List<WorkerInfo> standbys(String app) {
        return cluster.list().stream().filter(w -> w.app().equals(app) && w.id() < 0).toList();
    }

    private WorkerInfo waitingStandby(String app) {
        ClusterFixture.await("a standby waiting", Duration.ofSeconds(60),
                () -> standbys(app).stream().anyMatch(w -> w.state().equals("standby")));
        return standbys(app).stream().filter(w -> w.state().equals("standby")).findFirst().orElseThrow();
    }

    /** The child a worker's death watch starts ({@code setpriv} then {@code sleep}), once it has started it. */
    private static ProcessHandle deathWatch(long pid) {
        ClusterFixture.await("pid " + pid + "'s death watch armed", Duration.ofSeconds(20), () -> deathWatchChild(pid).isPresent());
        return deathWatchChild(pid).orElseThrow();
    }

    private static java.util.Optional<ProcessHandle> deathWatchChild(long pid) {
        return ProcessHandle.of(pid).orElseThrow().children().filter(c -> c.info().command().orElse("").equals("/usr/bin/sleep")).findFirst();
    }

    /** kill -9 of web:0 (its death watch armed): the standby takes its slot; returns the standby's pid. */
    private long killedWorkerIsTakenOverByTheStandby(String app, int port, String path) throws Exception {
        WorkerInfo standby = waitingStandby(app);
        // A worker that dies within --min-uptime (1 s) is a crash loop's, restarted after a back-off, never by a standby;
        // on a fast machine the standby is waiting sooner than that.
        ClusterFixture.await(app + ":0 up longer than --min-uptime", Duration.ofSeconds(10), () -> cluster.worker(app, 0).uptimeMs() > 1_500);
        long victim = cluster.worker(app, 0).pid();
        ProcessHandle watch = deathWatch(victim);
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        ClusterFixture.await(app + ":0 taken over by the standby", Duration.ofSeconds(10),
                () -> standby.pid().equals(cluster.worker(app, 0).pid()) && cluster.worker(app, 0).state().equals("online"));
        assertEquals(200, Http.get(port, path).status(), "it serves");
        ClusterFixture.await("the death watch's child gone with the worker", Duration.ofSeconds(10), () -> !watch.isAlive());
        // Whether the takeover began as the death watch fired or as the exit was reaped, the exit reads as what it was.
        ClusterFixture.await("the exit's status", Duration.ofSeconds(10),
                () -> cluster.ok("describe", app + ":0").out().contains("last exit    killed by signal 9 (SIGKILL)"));
        ClusterFixture.await("another standby behind it", Duration.ofSeconds(60),
                () -> standbys(app).stream().anyMatch(w -> !w.pid().equals(standby.pid())));
        return standby.pid();
    }

    @Test
    void aLibraryAppsStandbyTakesOverAKilledWorkersSlotAsThatWorker() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "1", "--standby", "1", "--port", Integer.toString(port), "--name", "web");
        assertTrue(cluster.ok("list").out().lines().anyMatch(l -> l.matches("web +- +\\d+ +(standby|launching) .*")), cluster.ok("list").out());
        WorkerInfo waiting = waitingStandby("web");
        assertTrue(cluster.ok("describe", "web").out().contains("  standbys       1 of 1 waiting: pid " + waiting.pid() + "\n"),
                cluster.ok("describe", "web").out());
        // What it costs, as the OS sees it, beside the workers' figures (the supervisor samples each second).
        ClusterFixture.await("the standby's memory in list", Duration.ofSeconds(10),
                () -> standbys("web").stream().anyMatch(w -> w.rssBytes() != null && w.rssBytes() > 10L << 20 && w.cpu() != null));
        long took = killedWorkerIsTakenOverByTheStandby("web", port, "/whoami");
        String whoami = Http.get(port, "/whoami").body();
        assertTrue(whoami.contains("\"workerId\":0") && whoami.contains("\"pid\":" + took), "it is worker 0 now: " + whoami);
        Path log = cluster.home().resolve("logs").resolve("web-0-out.log");
        ClusterFixture.await("its lines in web:0's log", Duration.ofSeconds(10), () -> {
            try {
                return Files.readString(log).contains("worker 0 (pid " + took + ") serving");
            } catch (java.io.IOException e) {
                return false;
            }
        });

        // Its death watch's child killed by someone else: the worker lives, and nothing takes over from it.
        deathWatch(took).destroyForcibly();
        ClusterFixture.await("the false alarm seen through", Duration.ofSeconds(10),
                () -> cluster.daemonLog().contains("pid " + took + ": its death watch's child exited, but the worker lives"));
        assertEquals(took, cluster.worker("web", 0).pid());
        assertEquals("online", cluster.worker("web", 0).state());
        assertEquals(200, Http.get(port, "/whoami").status());

        // scale +1 takes the waiting standby; a reload leaves standbys of the new version.
        WorkerInfo next = waitingStandby("web");
        cluster.ok("scale", "web", "+1");
        assertEquals(next.pid(), cluster.worker("web", 1).pid(), "the new worker is the standby");
        WorkerInfo before = waitingStandby("web");
        cluster.ok("reload", "web");
        WorkerInfo after = waitingStandby("web");
        assertNotEquals(before.pid(), after.pid(), "the old version's standby was replaced");
        assertEquals(1, standbys("web").size());

        // A standby stopped by SIGSTOP (or a debugger) would take the slot's socket and answer nothing: it is passed over.
        new ProcessBuilder("kill", "-STOP", Long.toString(after.pid())).start().waitFor();
        try {
            ClusterFixture.await("the standby shown paused", Duration.ofSeconds(10),
                    () -> standbys("web").stream().anyMatch(w -> Boolean.TRUE.equals(w.paused())));
            assertTrue(cluster.ok("list").out().contains("paused standby: its process is stopped"), cluster.ok("list").out());
            long victim = cluster.worker("web", 0).pid();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            ClusterFixture.await("web:0 online again", Duration.ofSeconds(30), () -> {
                WorkerInfo w = cluster.worker("web", 0);
                return w.state().equals("online") && w.pid() != null && w.pid() != victim;
            });
            assertNotEquals(after.pid(), cluster.worker("web", 0).pid(), "a new process, not the paused standby");
            assertTrue(cluster.daemonLog().contains("standby pid " + after.pid() + " is paused"), "and the daemon log says why");
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(after.pid())).start().waitFor();
        }
        ClusterFixture.await("the resumed standby waiting again", Duration.ofSeconds(10),
                () -> standbys("web").stream().anyMatch(w -> w.pid().equals(after.pid()) && w.state().equals("standby") && w.paused() == null));
    }

    @Test
    void anUnmodifiedServersStandbyWaitsInItsBindAndTakesOver() throws Exception {
        Path jar = ClusterFixture.zooJar("netty");
        int port = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "-i", "2", "--standby", "1", "--port", Integer.toString(port), "--name", "netty");
        long took = killedWorkerIsTakenOverByTheStandby("netty", port, "/");
        ClusterFixture.await("the standby answers on the port", Duration.ofSeconds(10), () -> {
            for (int i = 0; i < 50; i++) {
                try {
                    if (Http.get(port, "/").body().trim().equals(Long.toString(took))) {
                        return true;
                    }
                } catch (java.io.IOException e) {
                    return false;
                }
            }
            return false;
        });
        // Its wait in the bind ran on Netty's boss loop, which the agent watches: a wait on purpose, not a stall (it was
        // reported as one, "blocked 7974 ms at NativeSockets.receive"). A real stall after it still is.
        assertEquals(200, Http.get(port, "/block").status());
        ClusterFixture.await("the stall of /block", Duration.ofSeconds(15), () -> cluster.daemonLog().contains(" at zoo.Main.blockTheLoop("));
        assertFalse(cluster.daemonLog().contains("NativeSockets.receive"), cluster.daemonLog());
    }

    /**
     * An unmodified Spring Boot app's standby does not end on SIGTERM: Spring's shutdown hook waits for the start-up, which
     * waits in the bind for its socket. Deleted, it got SIGTERM only, and was left running, a JVM serving nothing; then it
     * was killed after the kill timeout. It is answered without a socket, and its agent ends it at once.
     */
    @Test
    void aSpringBootStandbyEndsAtOnceWhenItsAppIsDeleted() throws Exception {
        Path jar = ClusterFixture.zooJar("spring");
        cluster.ok("start", jar.toString(), "--standby", "1", "--kill-timeout", "2m", "--start-cache", "off",
                "--port", Integer.toString(ClusterFixture.freePort()), "--name", "spring");
        long standby = waitingStandby("spring").pid();
        cluster.ok("delete", "spring");
        ClusterFixture.await("standby pid " + standby + " gone, long before its kill timeout", Duration.ofSeconds(30),
                () -> ProcessHandle.of(standby).map(p -> !p.isAlive()).orElse(true));
        assertFalse(cluster.daemonLog().contains("did not exit within the kill timeout"), cluster.daemonLog());
    }

    /** delete answers once no process of the app is left: its standby too, even one that ends only at the kill timeout. */
    @Test
    void aDeleteReturnsOnceItsStandbyHasExited() throws Exception {
        cluster.ok("start", WORKER_APP_JAR.toString(), "--standby", "1", "--kill-timeout", "3s", "--port",
                Integer.toString(ClusterFixture.freePort()), "--name", "web");
        long standby = waitingStandby("web").pid();
        // Stopped, it cannot act on its SIGTERM: it goes at the kill timeout's SIGKILL, seconds after the worker.
        new ProcessBuilder("kill", "-STOP", Long.toString(standby)).start().waitFor();
        try {
            cluster.ok("delete", "web");
            assertFalse(ProcessHandle.of(standby).isPresent(), "standby pid " + standby + " still runs after delete answered");
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(standby)).start().waitFor();
        }
    }

    /** A program that binds with SO_REUSEPORT itself: a standby of it would have served a share of the connections, listed nowhere. */
    @Test
    void aProgramThatBindsItsPortItselfGetsNoStandby() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", "--name", "plain", "--port", Integer.toString(port), "--standby", "1", "--",
                ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), PlainServer.class.getName());
        ClusterFixture.await("describe saying why it keeps none", Duration.ofSeconds(30),
                () -> cluster.ok("describe", "plain").out().contains("standbys       none: its workers take no socket from the supervisor"));
        assertTrue(cluster.daemonLog().contains("plain: no standbys: its workers take no socket from the supervisor"), cluster.daemonLog());
        long worker = cluster.list().stream().filter(w -> w.app().equals("plain")).findFirst().orElseThrow().pid();
        for (int i = 0; i < 20; i++) {
            assertTrue(Http.get(port, "/").body().startsWith("pid=" + worker + " "), "every connection answered by the one worker");
        }
        assertEquals(List.of(), standbys("plain"));
    }

    @Test
    void standbyWithSelfBindIsRefused() {
        ClusterFixture.Result r = cluster.cluster("start", WORKER_APP_JAR.toString(), "--standby", "1", "--bind", "self",
                "--port", Integer.toString(ClusterFixture.freePort()));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--standby needs --bind handoff"), r.toString());
    }

    /**
     * A standby takes no share of the app's second port (--shared-port) before it serves: shared, its socket there would
     * get connections that wait, since it serves nothing yet. The zoo's JDK HttpServer app binds its admin port before
     * its main one, so as a standby it cannot start (its log says the address is in use), and every connection to the
     * admin port is answered by the serving worker.
     */
    @Test
    void aStandbyTakesNoShareOfTheSecondPortBeforeItServes() throws Exception {
        Path jar = RealAppsIT.ZooApp.JDK_HTTP_SERVER.jar();
        int port = ClusterFixture.freePort();
        int admin = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "-i", "1", "--standby", "1", "--port", Integer.toString(port), "--name", "adm",
                "--shared-port", Integer.toString(admin), "--env", "ADMIN_PORT=" + admin);
        long worker = cluster.worker("adm", 0).pid();
        Path standbyLog = cluster.home().resolve("logs").resolve("adm-standby-err.log");
        ClusterFixture.await("a standby failing at the admin port's bind", Duration.ofSeconds(60),
                () -> ClusterFixture.readOrEmpty(standbyLog).contains("Address already in use"));
        for (int i = 0; i < 20; i++) {
            assertEquals(worker, Long.parseLong(Http.get(admin, "/", 5_000).body().trim()), "connection " + i + " to the admin port");
        }
    }
}
