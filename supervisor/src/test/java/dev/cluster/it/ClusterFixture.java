package dev.cluster.it;

import dev.cluster.protocol.LineReader;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One private supervisor per test: its own CLUSTER_HOME, the real CLI jar run as a process, free
 * ports. After each test, pass or fail, it stops the daemon and then SIGKILLs anything still running
 * with this CLUSTER_HOME in its environment, so no test leaves a process behind.
 */
public final class ClusterFixture implements BeforeEachCallback, AfterEachCallback {
    public static final Path CLUSTER_JAR = Path.of(System.getProperty("cluster.jar", "target/cluster.jar")).toAbsolutePath();
    /**
     * The launcher users run, which runs {@link #CLUSTER_JAR} with the JVM options and class-data
     * archive that make a one-shot command quick: the suite runs some 400 commands, and each costs
     * ~0.1 s more as a plain {@code java -jar} on a quiet machine (bench/cli.sh), more under load.
     */
    public static final Path LAUNCHER = Path.of(System.getProperty("cluster.launcher", "../bin/cluster")).toAbsolutePath();
    public static final Path WORKER_APP_JAR = Path.of(System.getProperty("worker-app.jar", "../worker-app/target/worker-app.jar")).toAbsolutePath();
    public static final Path TEST_CLASSES = Path.of(System.getProperty("test.classes", "target/test-classes")).toAbsolutePath();
    public static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    /** The zoo of unmodified servers (src/it/zoo), built by the invoker plugin before the integration tests. */
    public static final Path ZOO = Path.of(System.getProperty("zoo.dir", "target/it/zoo")).toAbsolutePath();

    /**
     * The jar of the zoo's app of that module (its directory under src/it/zoo): Quarkus's is its fast-jar's launcher,
     * which Quarkus users run, beside the directories it reads. A test that asks for it is skipped, not failed, when the
     * zoo is not built ({@code mvn verify} builds it; {@code -DskipZoo} does not).
     */
    public static Path zooJar(String module) {
        Path target = ZOO.resolve(module).resolve("target");
        Path jar = module.equals("quarkus") ? target.resolve("quarkus-app").resolve("quarkus-run.jar") : target.resolve(module + ".jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "skipped: the zoo is not built (" + jar + "); 'mvn verify' builds it");
        return jar;
    }

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    /**
     * The bind mode the tests tagged {@code bind-modes} start their apps in: {@code handoff}, or
     * {@code self} in failsafe's self-bind run, whose JVM is in a network namespace with
     * {@code tcp_migrate_req=1} (supervisor/pom.xml, src/it/netns/bin/java).
     */
    public static final String BIND = System.getProperty("cluster.it.bind", "handoff");

    private Path home;
    /** The Java that runs the CLI, hence the daemon it starts, hence the workers of jar apps. */
    private String javaCommand = JAVA;
    private final List<Process> spawned = new ArrayList<>();
    private final Thread cleanupOnExit = new Thread(this::cleanUp, "cluster-fixture-cleanup");

    /** What a CLI command printed and returned. */
    public record Result(int exit, String out, String err) {
        public List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (BIND.equals("self")) {
            Path migrate = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
            Assumptions.assumeTrue(Files.readString(migrate).trim().equals("1"), "skipped: self-bind mode needs net.ipv4.tcp_migrate_req=1, "
                    + "which src/it/netns/bin/java sets in a private network namespace; here 'unshare -n' is not permitted (needs root or CAP_SYS_ADMIN)");
        }
        home = Files.createTempDirectory("cluster-it-");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            printLogs(context.getDisplayName());
        }
        cleanUp();
        Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
    }

    public Path home() {
        return home;
    }

    /** The daemon's log as it is now (empty before there is one), read as bytes so that any text a worker sent reads too. */
    public String daemonLog() {
        try {
            return Files.readString(home().resolve("daemon.log"), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs the CLI (and so the daemon and jar apps' workers) on another Java from now on. */
    public void useJava(String java) {
        this.javaCommand = java;
    }

    /** Runs {@code cluster args...} to completion. */
    public Result cluster(String... args) {
        return finish(spawn(args), args);
    }

    /** Runs {@code cluster args...} to completion with more environment (such as another CLUSTER_HOME). */
    public Result clusterWith(Map<String, String> env, String... args) {
        return finish(spawn(List.of(), env, args), args);
    }

    /** Runs {@code cluster args...} to completion under another program, such as {@code nohup}. */
    public Result clusterUnder(List<String> wrapper, String... args) {
        return finish(spawn(wrapper, Map.of(), args), args);
    }

    /** Waits for a command started with {@link #spawn} and returns what it printed. */
    public Result finish(Process p, String... args) {
        try {
            if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("cluster " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT);
            }
            return new Result(p.exitValue(), read(p.getInputStream()), read(p.getErrorStream()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * A {@code start} of a jar gets {@code --start-cache off} unless the test says: a training start
     * in the background would compete for this 2-core machine with what a test times or measures
     * (lag, readiness). StartCacheIT tests the start cache itself. (Only jar apps have archives; a
     * start of a command, an ecosystem file or a stopped app's name is left as the test wrote it.)
     */
    private static List<String> withoutStartCache(String... args) {
        List<String> out = new ArrayList<>(Arrays.asList(args));
        boolean jar = out.stream().anyMatch(a -> a.endsWith(".jar"));
        if (args.length > 0 && args[0].equals("start") && jar && !out.contains("--start-cache")) {
            out.addAll(1, List.of("--start-cache", "off"));
        }
        return out;
    }

    /** Runs {@code cluster args...} and asserts it succeeded. */
    public Result ok(String... args) {
        Result r = cluster(args);
        if (r.exit() != 0) {
            fail("cluster " + String.join(" ", args) + " failed: " + r);
        }
        return r;
    }

    /** Starts {@code cluster args...} without waiting (logs -f, run); killed after the test. */
    public Process spawn(String... args) {
        return spawn(Map.of(), args);
    }

    /** The same with more environment, such as systemd's NOTIFY_SOCKET. */
    public Process spawn(Map<String, String> env, String... args) {
        return spawn(List.of(), env, args);
    }

    private Process spawn(List<String> wrapper, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(LAUNCHER.toString());
        cmd.addAll(withoutStartCache(args));
        ProcessBuilder builder = new ProcessBuilder(cmd);
        builder.environment().put("CLUSTER_HOME", home.toString());
        Path javaBin = Path.of(javaCommand).getParent();
        if (javaBin != null && javaBin.getParent() != null) {
            builder.environment().put("JAVA_HOME", javaBin.getParent().toString()); // the launcher runs $JAVA_HOME/bin/java
        }
        builder.environment().putAll(env); // may name another home, for a test about homes
        builder.environment().remove("NO_COLOR");
        try {
            Process p = builder.start();
            p.getOutputStream().close();
            spawned.add(p);
            return p;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The workers as the daemon sees them, asked straight on the control socket: tests poll this, and
     * a CLI JVM per poll would cost ~0.5 s each (the CLI's {@code list --json} is {@link #cliList}).
     */
    public List<WorkerInfo> list() {
        if (!Files.exists(home.resolve("control.sock"))) {
            return cliList();
        }
        Response response = request(new Request.ListWorkers(null, null, null));
        if (!response.ok()) {
            throw new AssertionError("list: " + response.error());
        }
        return response.workers() == null ? List.of() : response.workers();
    }

    /** {@code cluster list --json}, the contract for scripts, parsed. */
    public List<WorkerInfo> cliList() {
        String json = ok("list", "--json").out();
        try {
            return Arrays.asList(Wire.mapper().readValue(json, WorkerInfo[].class));
        } catch (IOException e) {
            throw new AssertionError("list --json is not JSON: " + json, e);
        }
    }

    /**
     * One request straight on the control socket, without starting a CLI JVM: for polling the
     * supervisor's view where the ~0.5 s of a CLI start would blur what is measured.
     */
    public Response request(Request request) {
        return send(Wire.encode(request));
    }

    /** A line as it is, on the control socket: the final answer (progress steps and heartbeats skipped), or null if none came. */
    public Response send(byte[] line) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(home.resolve("control.sock")))) {
            java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(line);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            LineReader in = new LineReader(channel);
            Response response;
            do {
                response = in.read(Response.class);
            } while (response != null && response.progress() != null);
            return response;
        } catch (IOException e) {
            throw new AssertionError("control socket: " + e, e);
        }
    }

    public WorkerInfo worker(String app, int id) {
        return list().stream().filter(w -> w.app().equals(app) && w.id() == id).findFirst()
                .orElseThrow(() -> new AssertionError("no worker " + app + ":" + id + " in " + list()));
    }

    public long daemonPid() throws IOException {
        return Long.parseLong(Files.readString(home.resolve("daemon.pid")).trim());
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits for the condition, failing with {@code what} after the timeout. */
    /** A file's text, or "" while it does not exist or cannot be read: for a condition waited on. */
    public static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            sleep(50);
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the process still runs. A zombie has exited: when its parent (the daemon) is dead, its
     * reaping is up to init, whose timing is not the worker's, so it does not count as running.
     */
    public static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Pids of live processes whose environment names this fixture's CLUSTER_HOME. */
    public List<Long> processesOfThisHome() {
        List<Long> pids = new ArrayList<>();
        byte[] marker = ("CLUSTER_HOME=" + home + "\0").getBytes(StandardCharsets.UTF_8);
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : proc) {
                long pid = Long.parseLong(dir.getFileName().toString());
                if (pid == ProcessHandle.current().pid()) {
                    continue;
                }
                try {
                    byte[] env = Files.readAllBytes(dir.resolve("environ"));
                    if (indexOf(env, marker) >= 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        pids.add(pid);
                    }
                } catch (IOException e) {
                    // gone, or a kernel thread
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return pids;
    }

    /**
     * A failed test prints the tail of the daemon's log and of every worker log into the report, so a
     * failure seen only in CI still says what the supervisor did (the home is deleted afterwards).
     */
    private void printLogs(String test) {
        try (Stream<Path> files = Files.walk(home)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                System.out.println("=== " + test + ": last lines of " + home.relativize(log) + " (" + lines.size() + " lines)");
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.out::println);
            }
        } catch (IOException e) {
            System.out.println("=== " + test + ": logs unreadable: " + e);
        }
    }

    private void cleanUp() {
        if (home == null) {
            return;
        }
        spawned.forEach(Process::destroyForcibly);
        spawned.clear();
        if (Files.exists(home.resolve("control.sock"))) {
            Process kill = spawn("kill");
            try {
                kill.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            kill.destroyForcibly();
        }
        for (Long pid : processesOfThisHome()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
