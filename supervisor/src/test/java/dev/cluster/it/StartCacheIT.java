package dev.cluster.it;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up archives: made by a training start without the operator doing anything, used by the
 * next start (the JVM has it mapped; on JDK 17 it holds the agent's classes too), survived when damaged (the worker starts, the archive is made
 * again), and not made with {@code --start-cache off}. On the build's JDK (AppCDS) and, where the
 * machine has one, a JDK 25 (the AOT cache).
 */
class StartCacheIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    /**
     * The archive a jar app gets on the JDK running the tests, which runs the daemon and so its
     * workers: AppCDS on JDK 17-24, the AOT cache from JDK 25 on.
     */
    private static final String OWN_JDKS_ARCHIVE = Runtime.version().feature() >= 25 ? ".aot" : ".jsa";

    private List<Path> archives(String suffix) throws Exception {
        Path cache = cluster.home().resolve("cache");
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(f -> f.getFileName().toString().startsWith("web@") && f.toString().endsWith(suffix)
                    && !f.toString().contains(".training")).toList();
        }
    }

    private static boolean mapped(long pid, Path archive) throws Exception {
        return Files.readString(Path.of("/proc", Long.toString(pid), "maps")).contains(archive.toString());
    }

    /**
     * What a start-up archive holds, as its JVM lists it: the worker's own command line, with the
     * class path {@code -jar} and {@code -javaagent} give it but no agent (on JDK 25 its module
     * kept), and the option that prints the archive's classes and exits.
     */
    private String archivedClasses(long pid) throws Exception {
        String[] argv = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0");
        Path agent;
        try (Stream<Path> lib = Files.list(cluster.home().resolve("lib"))) {
            agent = lib.filter(f -> f.getFileName().toString().startsWith("cluster-agent-")).findFirst().orElseThrow();
        }
        List<String> command = new java.util.ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("-jar")) {
                command.addAll(List.of("-cp", argv[i + 1] + ":" + agent, "-XX:+PrintSharedArchiveAndExit"));
                break;
            }
            if (!argv[i].startsWith("-javaagent:")) {
                command.add(argv[i]);
            } else if (OWN_JDKS_ARCHIVE.equals(".aot")) {
                command.add("--add-modules=java.instrument"); // as -javaagent does: the AOT cache holds the module graph it saw
            }
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private void madeUsedAndSurvivedDamaged(String suffix, String... javaOption) throws Exception {
        List<String> start = new java.util.ArrayList<>(List.of("start", WORKER_APP_JAR.toString(), "--port",
                Integer.toString(ClusterFixture.freePort()), "--name", "web", "--start-cache", "on"));
        start.addAll(List.of(javaOption));
        cluster.ok(start.toArray(String[]::new));
        assertTrue(cluster.ok("describe", "web").out().contains("start cache  none yet when it launched: a training start makes one"));
        ClusterFixture.await("the start-up archive made", Duration.ofSeconds(120), () -> uncheckedArchives(suffix).size() == 1);
        Path archive = archives(suffix).get(0);
        // The file is moved into place just before that is logged: waited for, not read at once (CI once read it between).
        ClusterFixture.await("the archive's making logged", Duration.ofSeconds(10), () -> cluster.daemonLog().contains("a training start (pid")
                && cluster.daemonLog().contains("start-up archive " + archive.getFileName() + " made in"));

        cluster.ok("restart", "web");
        long pid = cluster.worker("web", 0).pid();
        assertTrue(mapped(pid, archive), "the restarted worker's JVM has the archive mapped");
        assertTrue(cluster.ok("describe", "web").out().contains("start cache  started from " + archive.getFileName()));
        // A scale changes every worker's share (its -XX:MaxRAMPercentage), not the archive it starts from.
        cluster.ok("scale", "web", "2");
        assertTrue(mapped(cluster.worker("web", 1).pid(), archive), "a scale-up's worker starts from the app's archive");
        cluster.ok("scale", "web", "1");
        assertEquals(2, uncheckedLog().split("a training start \\(pid", -1).length, "and no other training was started for it");
        if (suffix.equals(".jsa")) {
            String archived = archivedClasses(pid);
            // worker-app bundles the library, so its workers run without the agent (AgentJarTest): the telemetry is the library's.
            assertTrue(archived.contains(" dev.cluster.telemetry.Telemetry ") && archived.contains(" java.lang.management.ManagementFactory "),
                    "the archive holds what the telemetry loads, as well as the app's classes: " + archived.lines().count() + " lines");
            assertTrue(archived.contains(" dev.cluster.demo.WorkerApp "), "and the app's own");
        }

        // Damaged: the JVM starts without it, the supervisor notices and makes it again. Put in its place
        // as a new file, as a bad copy would be: the running worker has the old one mapped, and
        // truncating a mapped file under a JVM kills it with SIGBUS.
        Path bad = archive.resolveSibling("bad");
        Files.write(bad, new byte[4096]);
        Files.move(bad, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        cluster.ok("restart", "web");
        assertEquals(200, Http.get(cluster.worker("web", 0).port(), "/health").status(), "the worker serves without it");
        ClusterFixture.await("the refusal noticed", Duration.ofSeconds(20), () -> uncheckedLog().contains("did not use the start-up archive"));
        ClusterFixture.await("the archive made again", Duration.ofSeconds(120),
                () -> uncheckedLog().split("start-up archive " + archive.getFileName() + " made in", -1).length == 3);
        cluster.ok("restart", "web");
        assertTrue(mapped(cluster.worker("web", 0).pid(), archive), "the new archive is used");
    }

    private List<Path> uncheckedArchives(String suffix) {
        try {
            return archives(suffix);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String uncheckedLog() {
        try {
            return Files.readString(cluster.home().resolve("daemon.log"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anArchiveIsMadeUsedAndMadeAgainWhenDamaged() throws Exception {
        madeUsedAndSurvivedDamaged(OWN_JDKS_ARCHIVE);
    }

    /** An app without the library, whose agent classes come from the agent's own jar: its archive is accepted too. */
    @Test
    void anUnmodifiedAppStartsFromItsArchive() throws Exception {
        Path jar = ClusterFixture.zooJar("netty");
        cluster.ok("start", jar.toString(), "--port", Integer.toString(ClusterFixture.freePort()), "--name", "web", "--start-cache", "on");
        ClusterFixture.await("the start-up archive made", Duration.ofSeconds(120), () -> uncheckedArchives(OWN_JDKS_ARCHIVE).size() == 1);
        Path archive = archives(OWN_JDKS_ARCHIVE).get(0);
        cluster.ok("restart", "web");
        long pid = cluster.worker("web", 0).pid();
        assertTrue(mapped(pid, archive), "the restarted worker's JVM has the archive mapped");
        ClusterFixture.await("the archive's check, a second after the start", Duration.ofSeconds(10),
                () -> uncheckedLog().contains("pid " + pid + " did not use") || cluster.list().get(0).uptimeMs() > 3_000);
        assertFalse(uncheckedLog().contains("did not use the start-up archive"), "the JVM accepted it");
    }

    /**
     * An app with a --shared-port (the zoo's JDK HttpServer app with its admin server, bound before its main one): its
     * training start binds that port too, and is given a loopback socket of its own for it, as for the app's port, so no
     * client of the admin port ever reaches it; the archive is made, and the workers keep the admin port.
     */
    @Test
    void aTrainingStartServesNeitherOfTheAppsPorts() throws Exception {
        Path jar = ClusterFixture.zooJar("jdkhttp");
        int admin = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "-i", "2", "--port", Integer.toString(ClusterFixture.freePort()), "--name", "web", "--start-cache",
                "on", "--shared-port", Integer.toString(admin), "--env", "ADMIN_PORT=" + admin);
        ClusterFixture.await("the start-up archive made", Duration.ofSeconds(120), () -> uncheckedArchives(OWN_JDKS_ARCHIVE).size() == 1);
        assertTrue(cluster.daemonLog().matches("(?s).*training start pid \\d+: its bind of port " + admin
                + " \\(--shared-port\\) given loopback port \\d+ instead.*"), "the training start's admin port was its own");
        List<Long> workers = cluster.list().stream().map(w -> w.pid()).toList();
        for (int i = 0; i < 20; i++) {
            assertTrue(workers.contains(Http.rootPid(admin)), "the admin port is answered by a worker");
        }
    }

    /** A Spring Boot fat jar: extracted first, the archive made of the extraction, the workers run from it. */
    @Test
    void aSpringBootJarIsExtractedAndItsWorkersStartFromTheArchiveOfTheExtraction() throws Exception {
        Path jar = ClusterFixture.zooJar("spring");
        int port = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "--port", Integer.toString(port), "--name", "web", "--start-cache", "on", "--listen-timeout", "120s");
        ClusterFixture.await("the start-up archive made", Duration.ofSeconds(180), () -> uncheckedArchives(OWN_JDKS_ARCHIVE).size() == 1);
        Path archive = archives(OWN_JDKS_ARCHIVE).get(0);
        String key = archive.getFileName().toString().replace(OWN_JDKS_ARCHIVE, "");
        Path extracted = archive.resolveSibling(key + ".app").resolve("spring.jar");
        assertTrue(Files.isRegularFile(extracted) && Files.isDirectory(extracted.resolveSibling("lib")), "extracted beside the archive: " + extracted);

        cluster.ok("restart", "web");
        WorkerInfo w = cluster.worker("web", 0);
        String cmdline = Files.readString(Path.of("/proc", Long.toString(w.pid()), "cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-jar " + extracted), cmdline);
        assertTrue(mapped(w.pid(), archive), "the restarted worker's JVM has the archive mapped");
        assertEquals(Long.toString(w.pid()), Http.get(port, "/").body().trim(), "and serves");
        assertTrue(cluster.ok("describe", "web").out().contains("running the jar as extracted into " + key + ".app"));
        String archived = archivedClasses(w.pid());
        assertTrue(archived.contains(" zoo.Main ") && archived.contains(" org.springframework.boot.SpringApplication "),
                "the app's and Spring's classes are in it");

        cluster.ok("delete", "web");
        assertTrue(Files.notExists(archive) && Files.notExists(extracted.getParent()), "deleted with the app: the cache holds what can be used");
    }

    @Test
    void onAJdk25TheAotCacheIsMadeAndUsed() throws Exception {
        Optional<String> newer = Jdks.newer();
        Assumptions.assumeTrue(newer.isPresent(), "skipped: no JDK " + Jdks.NEWER + "+ beside the build's");
        madeUsedAndSurvivedDamaged(".aot", "--java", newer.get());
    }

    /**
     * A JDK 25 AOT cache loads some of the app's classes before the agent runs: here Netty's native socket (Vert.x on
     * epoll) or XNIO's I/O thread (Undertow). The agent instruments them all the same, so that workers started from the
     * cache still share the port (before, a Vert.x worker's bind failed: "address already in use") and their loops are
     * still watched.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"vertx, epoll, vert.x-eventloop-thread-", "undertow, , XNIO-1 I/O-"})
    void onAJdk25WorkersOfAnUnmodifiedServerStartedFromItsAotCacheShareThePortAndAreWatched(String module, String arg, String loop)
            throws Exception {
        Optional<String> newer = Jdks.newer();
        Assumptions.assumeTrue(newer.isPresent(), "skipped: no JDK " + Jdks.NEWER + "+ beside the build's");
        Path jar = ClusterFixture.zooJar(module);
        int port = ClusterFixture.freePort();
        List<String> start = new java.util.ArrayList<>(List.of("start", jar.toString(), "-i", "2", "--port", Integer.toString(port),
                "--name", "web", "--java", newer.get(), "--start-cache", "on"));
        if (arg != null) {
            start.addAll(List.of("--", arg));
        }
        cluster.ok(start.toArray(String[]::new));
        ClusterFixture.await("the AOT cache made", Duration.ofSeconds(120), () -> uncheckedArchives(".aot").size() == 1);
        Path archive = archives(".aot").get(0);

        cluster.ok("restart", "web");
        Set<Long> workers = cluster.list().stream().map(WorkerInfo::pid).collect(Collectors.toSet());
        for (long pid : workers) {
            assertTrue(mapped(pid, archive), "worker " + pid + " started from the AOT cache");
        }
        Set<Long> answering = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            answering.add(Http.rootPid(port));
        }
        assertEquals(workers, answering, "both workers serve the port");
        for (int id = 0; id < 2; id++) {
            String worker = "web:" + id;
            ClusterFixture.await(worker + "'s loops watched", Duration.ofSeconds(15), () -> {
                TelemetryInfo telemetry = cluster.request(new Request.Describe(worker, null)).apps().get(0).workers().get(0).telemetry();
                return telemetry != null && telemetry.loops() != null && telemetry.loops().stream().anyMatch(l -> l.name().startsWith(loop));
            });
        }
    }

    /**
     * A container's agent in {@code JAVA_TOOL_OPTIONS}, which the supervisor and so its workers get:
     * the archive is made and used all the same (on JDK 17-24 the dump's JVM refuses an agent, and
     * is given the variable without it).
     */
    @Test
    void anAgentInTheSupervisorsJavaToolOptionsDoesNotStopTheArchive(@TempDir Path dir) throws Exception {
        String agent = "-javaagent:" + NoOpAgent.jar(dir);
        ClusterFixture.Result started = cluster.clusterWith(Map.of("JAVA_TOOL_OPTIONS", agent), "start", WORKER_APP_JAR.toString(),
                "--port", Integer.toString(ClusterFixture.freePort()), "--name", "web", "--start-cache", "on");
        assertEquals(0, started.exit(), started.toString());
        ClusterFixture.await("the start-up archive made", Duration.ofSeconds(120), () -> uncheckedArchives(OWN_JDKS_ARCHIVE).size() == 1);
        Path archive = archives(OWN_JDKS_ARCHIVE).get(0);
        cluster.ok("restart", "web");
        long pid = cluster.worker("web", 0).pid();
        assertTrue(Files.readString(Path.of("/proc", Long.toString(pid), "environ")).contains("JAVA_TOOL_OPTIONS=" + agent + "\0"),
                "the worker has the agent, as the supervisor does");
        assertTrue(mapped(pid, archive), "and its JVM has the archive mapped");
    }

    @Test
    void offMeansNoTrainingAndNoArchive() throws Exception {
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(ClusterFixture.freePort()), "--name", "web",
                "--start-cache", "off");
        cluster.ok("restart", "web");
        assertFalse(Files.readString(cluster.home().resolve("daemon.log")).contains("training start"));
        assertEquals(List.of(), archives(""));
        assertFalse(cluster.ok("describe", "web").out().contains("start cache"));
    }
}
