package dev.cluster.it;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.worker.PortListeners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user sees when an app cannot share its port, and why a worker that failed to start did. */
class SharingIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void aCommandThatBindsItsPortAloneStopsAtOneClearLineInsteadOfACrashLoop() {
        int port = ClusterFixture.freePort();
        ClusterFixture.Result start = cluster.cluster("start", "-i", "2", "--port", Integer.toString(port), "--name", "plain", "--",
                ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), PlainServer.class.getName(), "0", "exclusive");
        assertEquals(1, start.exit(), start.toString());
        assertEquals(1, start.errLines().size(), "one line: " + start);
        assertTrue(start.err().contains("app 'plain' binds port " + port + " without SO_REUSEPORT, so only one worker can serve it: "
                + "use -i 1, or start it as a jar so the agent can share the port"), start.toString());
        WorkerInfo serving = cluster.list().stream().filter(w -> w.state().equals("online")).findFirst().orElseThrow();
        WorkerInfo other = cluster.worker("plain", 1 - serving.id());
        // Stopped, not exited: no restart is scheduled, so it cannot loop.
        assertEquals("stopped", other.state(), other.toString());
        assertTrue(ClusterFixture.isRunning(serving.pid()), "the worker that got the port keeps serving");
    }

    @Test
    void aJarWithoutTheAgentIsToldToDropNoAgent() throws Exception {
        Path jar = RealAppsIT.ZooApp.JDK_HTTP_SERVER.jar();
        int port = ClusterFixture.freePort();
        ClusterFixture.Result start = cluster.cluster("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "jdk",
                "--no-agent");
        assertEquals(1, start.exit(), start.toString());
        assertTrue(start.err().contains("binds port " + port + " without SO_REUSEPORT, so only one worker can serve it: use -i 1, "
                + "or start it without --no-agent"), start.toString());
    }

    /**
     * JMX's remote agent, an unmodified JDK feature, listens on ports of its own beside the app's: one
     * the kernel chose (its RMI server) is every worker's own and does not stop a second worker; a
     * fixed one stops at one line that names it as a second port, not as the app's.
     */
    @Test
    void aSecondPortOfItsOwnIsNamedAsSuchAndAPortTheKernelChoseIsNoObstacle() {
        int port = ClusterFixture.freePort();
        String jmx = " -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false";
        cluster.ok("start", ClusterFixture.WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "kernel",
                "--jvm-args", "-Dcom.sun.management.jmxremote.port=0" + jmx);
        assertEquals(2, cluster.list().stream().filter(w -> w.state().equals("online")).count(), cluster.list().toString());
        cluster.ok("delete", "kernel");

        int fixed = portBelowTheEphemeralRange();
        ClusterFixture.Result start = cluster.cluster("start", ClusterFixture.WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port),
                "--name", "fixed", "--jvm-args", "-Dcom.sun.management.jmxremote.port=" + fixed + jmx);
        assertEquals(1, start.exit(), start.toString());
        assertEquals(List.of("cluster: app 'fixed' binds port " + fixed + " without SO_REUSEPORT, so only one worker can serve it: "
                + "use -i 1; the agent shares only --port " + port + ": if " + fixed + " is the app's own port, set --port " + fixed
                + "; if it is a second one (a management or JMX port), give each worker a port of its own for it, or none"), start.errLines());
    }

    /**
     * An unmodified Micronaut app told a port of its own (above the MICRONAUT_SERVER_PORT every worker gets): its second
     * worker fails to bind it and Micronaut says so, then prints dozens of lines of stack trace, which push that line out of the
     * last lines kept. The start still ends at the one line naming the port and the fix, not at the stack's tail.
     */
    @Test
    void anUnmodifiedAppBindingAPortOfItsOwnIsNamedThoughAStackTraceFollowsItsWords() {
        Path jar = RealAppsIT.ZooApp.MICRONAUT.jar();
        int port = ClusterFixture.freePort();
        int own = portBelowTheEphemeralRange();
        ClusterFixture.Result start = cluster.cluster("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "micronaut",
                "--listen-timeout", "120s", "--jvm-args", "-Dmicronaut.server.port=" + own);
        assertEquals(1, start.exit(), start.toString());
        assertEquals(List.of("cluster: app 'micronaut' binds port " + own + " without SO_REUSEPORT, so only one worker can serve it: "
                + "use -i 1; the agent shares only --port " + port + ": if " + own + " is the app's own port, set --port " + own
                + "; if it is a second one (a management or JMX port), add --shared-port " + own + " to share it too, or turn it off"), start.errLines());
    }

    /**
     * An unmodified app with an admin port fixed in its configuration (as Dropwizard's, or Spring Boot's
     * management.server.port): without --shared-port its second worker cannot bind it, and the one line names
     * --shared-port; with it every worker binds it, each answers there, and a reload keeps it answered.
     */
    @Test
    void aSecondPortNamedWithSharedPortIsBoundByEveryWorker() throws Exception {
        Path jar = RealAppsIT.ZooApp.JDK_HTTP_SERVER.jar();
        int port = ClusterFixture.freePort();
        int admin = portBelowTheEphemeralRange();
        ClusterFixture.Result alone = cluster.cluster("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "alone",
                "--env", "ADMIN_PORT=" + admin);
        assertEquals(1, alone.exit(), alone.toString());
        assertEquals(List.of("cluster: app 'alone' binds port " + admin + " without SO_REUSEPORT, so only one worker can serve it: "
                + "use -i 1; the agent shares only --port " + port + ": if " + admin + " is the app's own port, set --port " + admin
                + "; if it is a second one (a management or JMX port), add --shared-port " + admin + " to share it too, or turn it off"),
                alone.errLines());
        cluster.ok("delete", "alone");

        cluster.ok("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "admin", "--shared-port",
                Integer.toString(admin), "--env", "ADMIN_PORT=" + admin);
        Set<Long> pids = new HashSet<>();
        cluster.list().forEach(w -> pids.add(w.pid()));
        assertEquals(2, pids.size(), cluster.list().toString());
        Set<Long> answering = new HashSet<>();
        for (int i = 0; i < 200 && !answering.equals(pids); i++) {
            answering.add(Http.rootPid(admin));
        }
        assertEquals(pids, answering, "every worker answers on the shared port " + admin);
        assertTrue(cluster.ok("describe", "admin").out().contains("  instances      2 on port " + port + ", and port " + admin
                + " shared (--shared-port)"), "describe names the shared port");

        cluster.ok("reload", "admin");
        Set<Long> reloaded = new HashSet<>();
        cluster.list().forEach(w -> reloaded.add(w.pid()));
        assertTrue(Collections.disjoint(pids, reloaded), "both workers were replaced: " + reloaded);
        assertTrue(reloaded.contains(Http.rootPid(admin)), "a new worker answers on the shared port after the reload");
    }

    /**
     * The same with a Netty server on its native transport (Vert.x with epoll), whose bind the agent meets in Netty's own
     * socket class rather than the JDK's: both workers listen on the second port and answer there.
     */
    @Test
    void aSecondPortOfANettyServerOnEpollIsSharedToo() throws Exception {
        RealAppsIT.ZooApp vertx = RealAppsIT.ZooApp.VERTX_EPOLL;
        int port = ClusterFixture.freePort();
        int admin = portBelowTheEphemeralRange();
        List<String> start = new ArrayList<>(List.of("start", vertx.jar().toString(), "-i", "2", "--port", Integer.toString(port), "--name",
                "vertx", "--shared-port", Integer.toString(admin), "--env", "ADMIN_PORT=" + admin, "--"));
        start.addAll(vertx.args);
        cluster.ok(start.toArray(String[]::new));
        ClusterFixture.await("both workers listening on the admin port", Duration.ofSeconds(60), () -> {
            List<PortListeners.Listener> listeners = PortListeners.listening(admin);
            return cluster.list().stream().allMatch(w -> w.state().equals("online") && !PortListeners.heldBy(w.pid(), listeners).isEmpty());
        });
        Set<Long> pids = new HashSet<>();
        cluster.list().forEach(w -> pids.add(w.pid()));
        Set<Long> answering = new HashSet<>();
        for (int i = 0; i < 200 && !answering.equals(pids); i++) {
            answering.add(Http.rootPid(admin));
        }
        assertEquals(pids, answering, "every worker answers on the shared port " + admin);
    }

    /**
     * Spring Boot's management server on a port of its own (management.server.port), which it starts only after its
     * main server answers. Without --shared-port the second worker fails to bind it after it counted as online: it is
     * stopped with the reason (naming --shared-port), not restarted for ever; but with one worker, a reload's new worker
     * that meets its old one still there is restarted. With --shared-port both workers listen there, and the actuator answers.
     */
    @Test
    void springBootsManagementPortIsSharedWithSharedPort() throws Exception {
        Path jar = RealAppsIT.ZooApp.SPRING4.jar();
        int port = ClusterFixture.freePort();
        int management = portBelowTheEphemeralRange();
        String properties = "-Dmanagement.server.port=" + management;
        // Its answer depends on which comes first, both workers online or the second one's failure: what follows does not.
        cluster.cluster("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "alone", "--listen-timeout", "120s",
                "--jvm-args", properties);
        ClusterFixture.await("a worker stopped for the unshared port", Duration.ofSeconds(120),
                () -> cluster.list().stream().anyMatch(w -> w.state().equals("stopped")));
        WorkerInfo stopped = cluster.request(new Request.Describe("alone", null)).apps().get(0).workers().stream()
                .filter(w -> w.state().equals("stopped")).findFirst().orElseThrow();
        assertTrue(stopped.lastTransition().contains("binds port " + management + " without SO_REUSEPORT")
                && stopped.lastTransition().contains("add --shared-port " + management), stopped.toString());
        assertEquals(1, cluster.list().stream().filter(w -> w.state().equals("online")).count(), cluster.list().toString());
        cluster.ok("delete", "alone");

        // One worker: a reload's new worker binds the management port while the old one may still hold it, and fails there.
        // A process on its way out: the new worker is restarted until it gets the port, not stopped.
        cluster.ok("start", jar.toString(), "-i", "1", "--port", Integer.toString(port), "--name", "single", "--listen-timeout", "120s",
                "--jvm-args", properties);
        long before = cluster.worker("single", 0).pid();
        cluster.ok("reload", "single");
        ClusterFixture.await("the new worker serving the management port", Duration.ofSeconds(120), () -> {
            WorkerInfo w = cluster.worker("single", 0);
            return w.state().equals("online") && w.pid() != before
                    && !PortListeners.heldBy(w.pid(), PortListeners.listening(management)).isEmpty();
        });
        cluster.ok("delete", "single");

        cluster.ok("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "managed", "--shared-port",
                Integer.toString(management), "--listen-timeout", "120s", "--jvm-args", properties);
        ClusterFixture.await("both workers listening on the management port", Duration.ofSeconds(120), () -> {
            List<PortListeners.Listener> listeners = PortListeners.listening(management);
            return cluster.list().stream().allMatch(w -> w.state().equals("online")
                    && !PortListeners.heldBy(w.pid(), listeners).isEmpty());
        });
        Http.Reply health = Http.get(management, "/actuator/health");
        assertEquals(200, health.status(), health.toString());
        assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
        assertTrue(cluster.list().stream().allMatch(w -> w.restarts() == 0), cluster.list().toString());
    }

    /** A free port a user would choose, not one the kernel hands out to a bind of port 0 (32768 and up). */
    private static int portBelowTheEphemeralRange() {
        for (int candidate = 20000 + new java.util.Random().nextInt(10000); ; candidate++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(candidate));
                return candidate;
            } catch (java.io.IOException taken) {
                // the next one
            }
        }
    }

    /** An app that listens on a port of its own, not $PORT: when its time to be ready runs out, the answer names that port. */
    @Test
    void aWorkerListeningElsewhereIsToldWhereWhenItsTimeRunsOut() {
        int port = ClusterFixture.freePort();
        int own = portBelowTheEphemeralRange();
        ClusterFixture.Result start = cluster.cluster("start", "--port", Integer.toString(port), "--name", "elsewhere", "--listen-timeout", "2s", "--",
                "sh", "-c", "PORT=" + own + " exec " + ClusterFixture.JAVA + " -cp " + ClusterFixture.TEST_CLASSES + " " + PlainServer.class.getName());
        assertEquals(0, start.exit(), start.toString());
        assertEquals(List.of("cluster: elsewhere: its workers neither said ready nor listened on port " + port + " in time, so they count "
                + "as online; they listen on port " + own + " instead: have the app listen on $PORT, or 'cluster delete elsewhere' and start it "
                + "with --port " + own), start.errLines());
    }

    /**
     * A Spring Boot app that never heard of PORT (its application.properties names a port of its own)
     * listens on --port: the supervisor gives every worker SERVER_PORT too, which Spring Boot reads
     * above its properties file.
     */
    @Test
    void anUnmodifiedSpringBootAppListensOnItsPort() throws Exception {
        Path jar = RealAppsIT.ZooApp.SPRING.jar();
        int port = ClusterFixture.freePort();
        int own = ClusterFixture.freePort();
        Path properties = Files.writeString(cluster.home().resolve("application.properties"), "server.port=" + own + "\n");
        cluster.ok("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "spring", "--listen-timeout", "120s",
                "--jvm-args", "-Dspring.config.location=file:" + properties);
        assertEquals(2, cluster.list().stream().filter(w -> w.state().equals("online")).count(), cluster.list().toString());
        assertEquals(200, Http.get(port, "/").status());
        try (ServerSocket free = new ServerSocket()) {
            free.bind(new InetSocketAddress("0.0.0.0", own)); // nobody listens where its properties said
        }
    }

    /**
     * Spring Boot writes why it did not start to stdout; the JVM's warnings on stderr are not the
     * cause. The port is taken by this test after the start was accepted and before Spring binds.
     */
    @Test
    void springBootsStartUpFailureOnStdoutIsShownAsTheCause() throws Exception {
        Path jar = RealAppsIT.ZooApp.SPRING.jar();
        int port = ClusterFixture.freePort();
        Process start = cluster.spawn("start", jar.toString(), "--port", Integer.toString(port), "--name", "spring", "--listen-timeout", "120s");
        ClusterFixture.await("the worker launching", Duration.ofSeconds(30), () -> java.nio.file.Files.exists(cluster.home().resolve("control.sock"))
                && cluster.list().stream().anyMatch(w -> w.state().equals("launching")));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("0.0.0.0", port));
            String err = new String(start.getErrorStream().readAllBytes());
            assertEquals(1, start.waitFor(), err);
            assertTrue(err.contains("spring:0 exited with code 1 before it was ready") && err.contains("its last lines on stdout:"), err);
            assertTrue(err.contains("Port " + port + " was already in use"), err);
            assertFalse(err.contains("WARNING:"), "JVM warnings are not the cause: " + err);
            String describe = cluster.ok("describe", "spring").out();
            assertTrue(describe.contains("last stdout lines of the run that exited:") && describe.contains("Port " + port + " was already in use"), describe);
        }
    }
}
