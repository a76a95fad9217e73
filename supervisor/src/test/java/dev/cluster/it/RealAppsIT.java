package dev.cluster.it;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real, unmodified servers (the zoo: Spring Boot 3 and 4 on Tomcat and WebFlux on Reactor Netty, Undertow, Vert.x on NIO and on
 * native epoll, Netty, the JDK's HttpServer, Jetty, Quarkus, Micronaut), each only a main and a route answering its pid, run as
 * {@code cluster start app.jar -i 2} on the build's JDK and on a newer one: both workers serve the one
 * port, and reload, kill -9 and scaling under load behave as they do for apps written against the
 * library, through nothing but the agent. On the newer JDK a case stops after the reload: what differs
 * by JDK is the agent's hold of the app's bind, the handoff and the old workers' drain, which the start
 * and the reload both go through; a kill -9's replacement and a scale-up are starts again, and the
 * suite's time (these cases are a third of it) is better spent elsewhere.
 */
class RealAppsIT {
    private static final String BUILD_JDK = "build JDK";

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    /** A zoo app: its jar, and the arguments that select what it shows. */
    enum ZooApp {
        SPRING("spring", "tomcat"), SPRING4("spring4", "tomcat"), WEBFLUX("webflux", null), UNDERTOW("undertow", "xnio"), VERTX_NIO("vertx", "vertx"), VERTX_EPOLL("vertx", "vertx", "epoll"),
        NETTY_NIO("netty", null), JDK_HTTP_SERVER("jdkhttp", null), JETTY("jetty", "jetty"), QUARKUS("quarkus", "jboss"),
        MICRONAUT("micronaut", null);

        final String module;
        /** The kind of request pool its workers report, found without the app's help; null: none is found for it. */
        final String pool;
        final List<String> args;

        ZooApp(String module, String pool, String... args) {
            this.module = module;
            this.pool = pool;
            this.args = List.of(args);
        }

        Path jar() {
            return ClusterFixture.zooJar(module);
        }

        String appName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    static Stream<Arguments> appsOnEachJdk() {
        String newer = Jdks.newer().orElse(null);
        return Stream.of(ZooApp.values()).flatMap(app -> Stream.of(
                Arguments.of(app, BUILD_JDK, ClusterFixture.JAVA),
                Arguments.of(app, "JDK " + Jdks.NEWER, newer)));
    }

    @ParameterizedTest(name = "{0} on the {1}")
    @MethodSource("appsOnEachJdk")
    void unmodifiedServerSharesItsPortAndSurvivesReloadCrashAndScale(ZooApp app, String jdkLabel, String java) throws Exception {
        Assumptions.assumeTrue(java != null, "skipped: no JDK " + Jdks.NEWER + " or newer in /usr/lib/jvm (set -Dcluster.it.newer-java=PATH)");
        boolean onBuildJdk = jdkLabel.equals(BUILD_JDK);
        Assumptions.assumeFalse(!onBuildJdk && java.equals(ClusterFixture.JAVA),
                "skipped: the build JDK (" + java + ") is the newer one, and its case ran in full");
        cluster.useJava(java);
        int port = ClusterFixture.freePort();
        String name = app.appName();
        List<String> start = new ArrayList<>(List.of("start", app.jar().toString(), "-i", "2", "--port", Integer.toString(port),
                "--name", name, "--listen-timeout", "120s"));
        if (!app.args.isEmpty()) {
            start.add("--");
            start.addAll(app.args);
        }
        cluster.ok(start.toArray(String[]::new));

        // Both workers answer on the one port.
        Set<Long> workerPids = pids();
        Set<Long> answering = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            answering.add(Http.rootPid(port));
        }
        assertEquals(workerPids, answering, "every worker answers on port " + port);
        if (app.pool != null) {
            ClusterFixture.await(name + "'s request pool (" + app.pool + ") reported", Duration.ofSeconds(30), () -> {
                WorkerInfo described = cluster.request(new Request.Describe(name + ":0", null)).apps().get(0).workers().get(0);
                return described.telemetry() != null && described.telemetry().pools() != null
                        && described.telemetry().pools().stream().anyMatch(p -> p.kind().equals(app.pool) && p.max() > 0 && p.active() >= 0);
            });
            // Found once: Undertow's XNIO pool is a jboss-threads executor too, which is read from XNIO's MBean only.
            WorkerInfo described = cluster.request(new Request.Describe(name + ":0", null)).apps().get(0).workers().get(0);
            assertEquals(Set.of(app.pool), described.telemetry().pools().stream().map(p -> p.kind())
                    .filter(kind -> !kind.equals("forkjoin")).collect(Collectors.toSet()), described.telemetry().pools().toString());
        }

        // A reload under connection-per-request and keep-alive load loses no new connection.
        try (LoadClient load = new LoadClient(port, "/", 30_000, 2, 2)) {
            load.awaitAnswered(50);
            cluster.ok("reload", name);
            load.awaitAnswered(50);
            load.close();
            System.out.println(name + " on the " + jdkLabel + ", reload under load: " + load);
            assertEquals(0, load.newConnectionFailures(), "reload: " + load);
            assertEquals(0, load.hung(), "reload: " + load);
            assertTrue(load.ok() > 50, "reload: " + load);
        }
        assertTrue(pids().stream().noneMatch(workerPids::contains), "every worker was replaced");
        if (!onBuildJdk) {
            stopLeavesNoProcess(name);
            return;
        }

        // kill -9 under per-request load: only what was in flight on the victim fails.
        int threads = 4;
        try (LoadClient load = new LoadClient(port, "/", 60_000, 0, threads)) {
            load.awaitAnswered(50);
            long victim = cluster.worker(name, 0).pid();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            ClusterFixture.await(name + ":0 replaced", Duration.ofSeconds(120), () -> {
                WorkerInfo w = cluster.worker(name, 0);
                return w.state().equals("online") && !w.pid().equals(victim);
            });
            load.awaitAnswered(50);
            load.close();
            System.out.println(name + " on the " + jdkLabel + ", kill -9 under load: " + load);
            assertTrue(load.failed() <= threads, "more failed than were in flight: " + load);
            assertEquals(0, load.hung(), "kill -9: " + load);
        }

        // Scaling down and up again under load: no request hangs.
        try (LoadClient load = new LoadClient(port, "/", 30_000, 2, 2)) {
            load.awaitAnswered(50);
            cluster.ok("scale", name, "1");
            load.awaitAnswered(50);
            cluster.ok("scale", name, "2");
            load.awaitAnswered(50);
            load.close();
            System.out.println(name + " on the " + jdkLabel + ", scale 2 -> 1 -> 2 under load: " + load);
            assertEquals(0, load.hung(), "scale: " + load);
        }
        assertEquals(2, cluster.list().size());
        stopLeavesNoProcess(name);
    }

    private void stopLeavesNoProcess(String name) {
        Set<Long> last = pids();
        cluster.ok("stop", name);
        assertTrue(last.stream().noneMatch(ClusterFixture::isRunning), "every worker process is gone after stop");
    }

    private Set<Long> pids() {
        return cluster.list().stream().map(WorkerInfo::pid).collect(Collectors.toSet());
    }

}
