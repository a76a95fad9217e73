package dev.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Wire;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lag, stalls and JVM figures travel from real workers to list, describe and metrics. */
class TelemetryIT {
    /**
     * A 400 ms spin can read a little less: the probe counts the loop thread's CPU time for the part of
     * the stall before its due time, and on a busy 2-core machine the spinning thread is sometimes off
     * the CPU (CI once read 399).
     */
    private static final int STALL_READS_AT_LEAST_MS = 350;

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void aBlockedLoopShowsItsLagAndTheBlockingMethodWhileTheOtherWorkerStaysHealthy() throws Exception {
        int port = ClusterFixture.freePort();
        // A threshold of 40 ms, not the default 10: a healthy loop's p99 is ~1 ms, but this 2-core
        // machine, busy with other work, can put a healthy worker's p99 over 10 ms (seen once). No
        // start-up archive: its training start (a third JVM's start, in the lag window measured
        // below) once put a healthy worker's p99 at 53 ms here.
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web", "--lag-threshold", "40ms",
                "--start-cache", "off");
        for (int i = 0; i < 300; i++) { // warm both JVMs: the first requests load classes on the loops
            Http.get(port, "/");
        }
        // Idle and light load: once start-up has left the 10 s window, p99 stays under the threshold. The window
        // starts 6 s after the start, not 1 s: the JIT's compiles after the warm-up above, both JVMs' on 2 cores,
        // once put a 97 ms stall (p99 44 ms) into a window that began 1 s after the start, in a clean-clone run.
        ClusterFixture.await("start-up to leave the lag window", Duration.ofSeconds(45),
                () -> cluster.list().stream().allMatch(w -> w.uptimeMs() > 16_000));
        // Light load (a request per poll) until both workers have reported 500 lag samples in the window.
        ClusterFixture.await("500 lag samples from each worker under light load", Duration.ofSeconds(30), () -> {
            try {
                Http.get(port, "/");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return cluster.list().stream().allMatch(w -> w.lag().samples() > 500);
        });
        for (WorkerInfo w : cluster.list()) {
            assertTrue(w.lag().samples() > 500, "reports arrive: " + w);
            assertTrue(w.lag().p99Ms() < 40, "idle and light load keep p99 under 40 ms: " + w);
            assertFalse(w.lagOver(), w.toString());
            assertNotNull(w.heapUsedBytes(), w.toString());
        }

        // 400 ms against the 100 ms block threshold: the watchdog has 300 ms to catch the stack even when
        // this 2-core machine is busy with other tests (at 200 ms it once woke after the stall had ended).
        long blockRequestedAtEpochMs = System.currentTimeMillis();
        String answer = Http.get(port, "/block?ms=400").body();
        Matcher m = Pattern.compile("pid (\\d+)").matcher(answer);
        assertTrue(m.find(), answer);
        long blockedPid = Long.parseLong(m.group(1));
        long blockedAt = System.nanoTime();
        // The "within 2 s" is a speed figure, measured by bench/lag-accuracy.sh (BENCHMARKS.md); here a
        // generous bound, so a busy 2-core CI machine cannot fail the behaviour on timing.
        ClusterFixture.await("the supervisor to see the 400 ms stall of pid " + blockedPid, Duration.ofSeconds(10), () -> {
            JsonNode w = worker(blockedPid);
            return w.path("telemetry").path("blocked").size() > 0 && w.path("lag").path("maxMs").asDouble() >= STALL_READS_AT_LEAST_MS;
        });
        long seenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blockedAt);

        JsonNode stall = stalls(blockedPid).get(0);
        assertTrue(stall.path("durationMs").asLong() >= STALL_READS_AT_LEAST_MS, stall.toString());
        assertTrue(stall.path("stack").toString().contains("dev.cluster.demo.Routes.blockTheEventLoop"),
                "the stack caught during the stall names the blocking method: " + stall);
        JsonNode other = cluster.list().stream().filter(w -> w.pid() != blockedPid).findFirst()
                .map(w -> worker(w.pid())).orElseThrow();
        // None since the block: a stall of its own start-up (seen once, 141 ms in epollWait 0.8 s after its
        // JVM started, on this 2-core machine starting two JVMs at once) is not what is asserted here.
        for (JsonNode otherStall : other.path("telemetry").path("blocked")) {
            assertTrue(otherStall.path("startedAtEpochMs").asLong() < blockRequestedAtEpochMs, "the other worker stalled too: " + other);
        }
        assertTrue(other.path("lag").path("p99Ms").asDouble() < 40, "the other worker stays under the threshold: " + other);
        System.out.println("TelemetryIT: the supervisor saw the 400 ms stall " + seenMs + " ms after the request answered");

        String describe = cluster.ok("describe", "web").out();
        assertTrue(describe.contains("blocked ") && describe.contains("at dev.cluster.demo.Routes.blockTheEventLoop"), describe);

        // The good routes keep the loop free; /hash-blocking does not, and list marks it.
        String hash = Http.get(port, "/hash?password=pw").body().trim();
        assertTrue(hash.matches("[0-9a-f]{64}"), hash);
        assertEquals(hash, Http.get(port, "/hash-blocking?password=pw").body().trim(), "the same PBKDF2, on the loop");
        assertTrue(tookMs(Http.get(port, "/fanout").body()) < 115, "parallel: about as long as the slowest call (50 ms)");
        assertTrue(tookMs(Http.get(port, "/fanout?serial=1").body()) >= 120, "serial: all three (30 + 40 + 50 ms)");
        assertEquals("{\"email\":true}", Http.get(port, "/regex?input=ops@example.com").body().trim());
        assertEquals(413, Http.get(port, "/regex?input=" + "a".repeat(300)).status(), "input bounded before the regex");
        ClusterFixture.await("hashing on the loop to put a worker over the 40 ms threshold", Duration.ofSeconds(60), () -> {
            try {
                Http.get(port, "/hash-blocking");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return cluster.list().stream().anyMatch(WorkerInfo::lagOver);
        });
        WorkerInfo over = cluster.list().stream().filter(WorkerInfo::lagOver).findFirst().orElseThrow();
        assertTrue(over.lag().p99Ms() > 40, over.toString());
        assertTrue(cluster.ok("list").out().contains("!"), "list marks it");
    }

    /** Regression: list after stop showed a stopped worker's last lag, in red. */
    @Test
    void aStoppedWorkerShowsNoLag() {
        int port = ClusterFixture.freePort();
        cluster.ok("start", ClusterFixture.WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web", "--lag-threshold", "1ms");
        ClusterFixture.await("a telemetry report", Duration.ofSeconds(20), () -> cluster.worker("web", 0).lag().samples() > 0);
        cluster.ok("stop", "web");
        WorkerInfo stopped = cluster.worker("web", 0);
        assertEquals(0, stopped.lag().samples(), stopped.toString());
        assertFalse(stopped.lagOver(), stopped.toString());
        assertFalse(cluster.ok("list").out().contains("!"), "nothing marked in the table");
    }

    private static long tookMs(String fanout) {
        Matcher m = Pattern.compile("took (\\d+) ms").matcher(fanout);
        assertTrue(m.find(), fanout);
        return Long.parseLong(m.group(1));
    }

    @Test
    void theAgentReportsForAnUnmodifiedNonNettyJarThatStillRunsAndExitsNormally() throws Exception {
        Path jar = probeJar();
        int port = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "--port", Integer.toString(port), "--name", "plain", "--", "6000");
        ClusterFixture.await("the agent's first reports", Duration.ofSeconds(20),
                () -> worker(cluster.worker("plain", 0).pid()).path("telemetry").path("jvmLag").path("samples").asLong() > 0);
        WorkerInfo listed = cluster.worker("plain", 0);
        JsonNode w = worker(listed.pid());
        JsonNode t = w.path("telemetry");
        assertEquals("agent", t.path("reporter").asText(), w.toString());
        assertTrue(w.path("lastTransition").asText().contains("listening on port " + port), "readiness stays with the port: " + w);
        assertTrue(listed.heapUsedBytes() != null && listed.heapUsedBytes() > 0, listed.toString());
        assertTrue(t.path("heapMaxBytes").asLong() > 0, t.toString());
        assertTrue(t.path("loops").isEmpty(), "no loops registered: " + t);
        assertTrue(listed.lag().samples() > 0, "the JVM timer thread stands in for the lag: " + listed);

        // main returns after 6 s: the JVM must exit (the agent's threads are daemons), with status 0.
        ClusterFixture.await("the app to exit by itself, status 0", Duration.ofSeconds(30),
                () -> describeJson("plain").path(0).path("workers").path(0).path("lastExit").asText("").startsWith("exited with code 0"));

        // Outside a supervisor the agent does nothing; with a dead supervisor socket it says so and the app still runs.
        Path agent;
        try (var files = Files.list(cluster.home().resolve("lib"))) {
            agent = files.filter(p -> p.getFileName().toString().startsWith("cluster-agent-")).findFirst().orElseThrow();
        }
        assertEquals(0, runWithAgent(agent, jar, null), "no supervisor in the environment");
        assertEquals(0, runWithAgent(agent, jar, cluster.home().resolve("no-such.sock")), "a supervisor that is gone");
    }

    @Test
    void metricsPassPromtoolAndAreServedOnLoopbackOnly() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "promtool is missing: install the Debian package 'prometheus' (.ci/run does)");
        int port = ClusterFixture.freePort();
        int runPort = ClusterFixture.freePort();
        // The foreground supervisor (as under systemd) serves /metrics from the start.
        cluster.spawn("run", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web",
                "--metrics-port", Integer.toString(runPort));
        ClusterFixture.await("reports from both workers", Duration.ofSeconds(40), () -> {
            List<WorkerInfo> workers = cluster.home().resolve("control.sock").toFile().exists() ? cluster.list() : List.of();
            return workers.size() == 2 && workers.stream().allMatch(w -> w.lag().samples() > 0 && w.rssBytes() != null);
        });
        assertEquals(200, Http.get(runPort, "/metrics").status(), "run --metrics-port serves");
        String text = cluster.ok("metrics").out();
        for (String id : new String[] {"0", "1"}) {
            assertTrue(text.contains("cluster_event_loop_lag_seconds_bucket{app=\"web\",id=\"" + id + "\",le=\"0.01\"}"), text);
            assertTrue(text.contains("cluster_worker_resident_memory_bytes{app=\"web\",id=\"" + id + "\"}"), text);
            assertTrue(text.contains("cluster_worker_up{app=\"web\",id=\"" + id + "\"} 1"), text);
        }
        assertTrue(text.contains("cluster_app_event_loop_lag_p99_seconds{app=\"web\"}"), text);
        assertPromtoolAccepts(text);

        int metricsPort = ClusterFixture.freePort();
        assertTrue(cluster.ok("metrics", "--serve", Integer.toString(metricsPort)).out().contains("http://127.0.0.1:" + metricsPort + "/metrics"));
        Http.Reply scraped = Http.get(metricsPort, "/metrics");
        assertThrows(IOException.class, () -> Http.get(runPort, "/metrics"), "the endpoint moved: the old port is closed");
        assertEquals(200, scraped.status());
        assertTrue(scraped.body().contains("# TYPE cluster_event_loop_lag_seconds histogram"), scraped.body());
        assertPromtoolAccepts(scraped.body());
        String listeners = Files.readString(Path.of("/proc/net/tcp")) + Files.readString(Path.of("/proc/net/tcp6"));
        String hexPort = String.format(":%04X ", metricsPort);
        assertTrue(listeners.contains("0100007F" + hexPort), "bound to 127.0.0.1");
        assertFalse(listeners.contains("00000000" + hexPort), "not bound to every address");

        ClusterFixture.Result taken = cluster.cluster("metrics", "--serve", Integer.toString(port));
        assertEquals(1, taken.exit(), taken.toString());
        assertTrue(taken.err().contains("cannot serve metrics on 127.0.0.1:" + port), taken.toString());
        assertEquals(200, Http.get(metricsPort, "/metrics").status(), "a failed move keeps the endpoint that worked");
    }

    private static void assertPromtoolAccepts(String text) throws IOException, InterruptedException {
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = promtool.getOutputStream()) {
            in.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String out = new String(promtool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, promtool.exitValue(), "promtool check metrics: " + out);
    }

    private int runWithAgent(Path agent, Path jar, Path socket) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(ClusterFixture.JAVA, "-javaagent:" + agent, "-jar", jar.toString(), "500")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().keySet().removeIf(k -> k.startsWith("CLUSTER_") || k.equals("PORT"));
        if (socket != null) {
            builder.environment().put("CLUSTER_WORKER_SOCKET", socket.toString());
        }
        Process p = builder.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the app did not exit with the agent loaded");
        }
        return p.exitValue();
    }

    private Path probeJar() throws IOException {
        Path jar = cluster.home().resolve("probe.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, AgentProbeApp.class.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            String entry = AgentProbeApp.class.getName().replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(ClusterFixture.TEST_CLASSES.resolve(entry)));
            out.closeEntry();
        }
        return jar;
    }

    /**
     * A worker stopped (SIGSTOP) for a second: its loop stalls, but no code held it, and the stall names none. Before, the
     * watchdog woke with the loop and caught its stack wherever the stop had left it (seen: "at Unsafe.compareAndSetLong").
     */
    @Test
    void aStallOfTheWholeStoppedJvmBlamesNoCode() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        long pid = cluster.list().get(0).pid();
        ClusterFixture.await("its first report", Duration.ofSeconds(10), () -> worker(pid).path("telemetry").isObject());
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        try {
            // Stopped until the daemon has seen it so (its state 'T', sampled each second): that is over a second.
            ClusterFixture.await("the daemon to see it stopped", Duration.ofSeconds(10), () -> cluster.daemonLog().contains("(pid " + pid + ") is stopped"));
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        }
        ClusterFixture.await("the stall of the stop", Duration.ofSeconds(10),
                () -> stalls(pid).stream().anyMatch(stall -> stall.path("durationMs").asLong() >= 900));
        JsonNode stall = stalls(pid).stream().filter(st -> st.path("durationMs").asLong() >= 900).findFirst().orElseThrow();
        assertEquals(0, stall.path("stack").size(), "no frame blamed: " + stall);
        assertTrue(stall.path("paused").asBoolean(), "told as a pause of the whole JVM: " + stall);
    }

    /**
     * A loop held off the CPU: the worker put in a cgroup whose CPU quota is 5 ms per half second, as a container's
     * limit throttles it. The stalls that follow name no code: the loop's thread waited for a processor. Before, a stall
     * blamed whatever frame the loop stood at when the watchdog looked (seen in a fuzz on 2 busy cores: "blocked 161 ms
     * at Unsafe.compareAndSetLong"). (Other processes spinning on every core do not starve a loop that long: the
     * scheduler serves a thread that wakes from a sleep within milliseconds, even under SCHED_IDLE.)
     */
    @Test
    void aLoopHeldOffTheCpuBlamesNoCode() throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup/cpu");
        Path v2 = Path.of("/sys/fs/cgroup");
        boolean v2Cpu = Files.isReadable(v2.resolve("cgroup.subtree_control")) && Files.readString(v2.resolve("cgroup.subtree_control")).contains("cpu");
        Path parent = Files.isWritable(v1.resolve("tasks")) ? v1 : v2Cpu && Files.isWritable(v2.resolve("cgroup.procs")) ? v2 : null;
        Assumptions.assumeTrue(parent != null, "needs a writable cgroup CPU controller (v1 at " + v1 + " or v2 at " + v2 + ")");
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        long pid = cluster.list().get(0).pid();
        ClusterFixture.await("its first report", Duration.ofSeconds(10), () -> worker(pid).path("telemetry").isObject());
        Path loop;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            loop = tasks.filter(task -> comm(task).startsWith("multiThreadIoEv")).findFirst().orElseThrow();
        }
        long before = waitedNs(loop);
        Path group = Files.createDirectory(parent.resolve("cluster-it-" + ProcessHandle.current().pid() + "-" + port));
        try {
            if (parent == v1) {
                Files.writeString(group.resolve("cpu.cfs_period_us"), "500000");
                Files.writeString(group.resolve("cpu.cfs_quota_us"), "5000");
            } else {
                Files.writeString(group.resolve("cpu.max"), "5000 500000");
            }
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
            try {
                ClusterFixture.await("the loop to wait a second for a processor", Duration.ofSeconds(30), () -> waitedNs(loop) - before > 1_000_000_000L);
                // Throttled on until one is reported: the watchdog thread is throttled too, and in a given half second it may
                // run only after the loop has caught up (seen in a full verify on a slow day: no stall in the 10 s after).
                ClusterFixture.await("a stall mostly waited for a processor", Duration.ofSeconds(60),
                        () -> stalls(pid).stream().anyMatch(stall -> 2 * stall.path("waitedMs").asLong() >= stall.path("durationMs").asLong()));
            } finally {
                Files.writeString(parent.resolve("cgroup.procs"), Long.toString(pid));
            }
        } finally {
            Files.delete(group);
        }
        String describe = cluster.ok("describe", "web").out();
        assertTrue(describe.contains("ms of it for a processor"), describe);
        assertTrue(describe.matches("(?s).*stalls       [1-9]\\d* \\([1-9]\\d* of them waiting for a processor, not in code\\).*"), describe);
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm"));
        } catch (IOException e) {
            return ""; // the thread ended
        }
    }

    /**
     * An unmodified server (the zoo's, which never heard of us): the agent watches each event loop it runs (Netty's; XNIO's
     * I/O threads, where Undertow's handlers run unless they dispatch), so a handler that blocks one is named as it is for
     * a library app. Before, such an app reported JVM lag only, and a blocked loop, which stops no other thread, showed
     * nowhere.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"netty, nioEventLoopGroup", "undertow, XNIO-1 I/O-", "webflux, reactor-http-epoll-", "quarkus, vert.x-eventloop-thread-",
            "micronaut, default-eventLoopGroup-"})
    void anUnmodifiedServersBlockedLoopNamesItsCode(String module, String loopName) throws Exception {
        int port = startZooApp(module);
        long pid = cluster.list().get(0).pid();
        assertEquals(200, Http.get(port, "/").status());
        assertEquals(200, Http.get(port, "/block").status());
        ClusterFixture.await("the stall of /block", Duration.ofSeconds(15),
                () -> stalls(pid).stream().anyMatch(stall -> stall.path("stack").toString().contains("zoo.Main.blockTheLoop")));
        // A loop's thread starts at its first task, and the list comes with the worker's next report: Reactor Netty's
        // second loop is listed a report after the stall it had.
        ClusterFixture.await("two of its loops listed", Duration.ofSeconds(15), () -> {
            JsonNode loops = worker(pid).path("telemetry").path("loops");
            return loops.size() >= 2 && loops.toString().contains(loopName);
        });
        assertTrue(cluster.daemonLog().contains("blocked ") && cluster.daemonLog().contains(" at zoo.Main.blockTheLoop(Main.java:"), cluster.daemonLog());
    }

    /** Vert.x builds its event loops on Netty's: the agent watches them too. */
    @Test
    void anUnmodifiedVertxServersEventLoopsAreWatched() throws Exception {
        int port = startZooApp("vertx");
        long pid = cluster.list().get(0).pid();
        assertEquals(200, Http.get(port, "/").status());
        ClusterFixture.await("its event loop's lag", Duration.ofSeconds(15),
                () -> worker(pid).path("telemetry").path("loops").toString().contains("vert.x-eventloop-thread-"));
    }

    /**
     * grpc-java runs on its own copy of Netty, shaded into {@code io.grpc.netty.shaded} (its epoll transport included): its
     * workers share the port through that copy's native socket, and its loops are watched under that prefix.
     */
    @Test
    void anUnmodifiedGrpcServersShadedNettyLoopsAreWatched() throws Exception {
        Path jar = ClusterFixture.zooJar("grpc");
        int port = ClusterFixture.freePort();
        cluster.ok("start", jar.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "grpc");
        // Netty starts a loop's thread at its first task: a connection's registration starts a worker loop.
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ClusterFixture.await("a boss and a worker loop of grpc's shaded Netty watched", Duration.ofSeconds(15), () -> cluster.list().stream()
                    .map(w -> worker(w.pid()).path("telemetry").path("loops").toString())
                    .anyMatch(loops -> loops.contains("grpc-default-boss-ELG") && loops.contains("grpc-default-worker-ELG")));
        }
    }

    /** Starts the zoo's {@code module} as an app of that name, one worker, and returns its port; skipped when the zoo is not built. */
    private int startZooApp(String module) {
        Path jar = ClusterFixture.zooJar(module);
        int port = ClusterFixture.freePort();
        // A Spring app's start on a loaded 2-core machine can pass the first start's default wait.
        cluster.ok("start", jar.toString(), "--port", Integer.toString(port), "--name", module, "--listen-timeout", "120s");
        return port;
    }

    /** A thread's total wait for a processor (schedstat's second field), in ns. */
    private static long waitedNs(Path task) {
        try {
            return Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split(" ")[1]);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The describe --json object of the worker with this pid. */
    private JsonNode worker(long pid) {
        for (JsonNode app : describeJson("all")) {
            for (JsonNode w : app.path("workers")) {
                if (w.path("pid").asLong() == pid) {
                    return w;
                }
            }
        }
        throw new AssertionError("no worker with pid " + pid);
    }

    private List<JsonNode> stalls(long pid) {
        List<JsonNode> out = new java.util.ArrayList<>();
        worker(pid).path("telemetry").path("blocked").forEach(out::add);
        return out;
    }

    private JsonNode describeJson(String target) {
        return Wire.mapper().valueToTree(cluster.request(new Request.Describe(target, null)).apps());
    }
}
