package dev.cluster.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the supervisor trusts: a home that is its user's alone, files that are not links, and never
 * what a worker says. Each test is an attack that worked before it was refused. A second user is
 * played by uid 65534 (nobody) through setpriv.
 */
class SecurityIT {
    private static final String NOBODY = "65534";

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private final List<Path> made = new ArrayList<>();

    @AfterEach
    void removeWhatTheTestMade() throws IOException {
        for (Path dir : made) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs a command as user 65534, as another user on the machine would. */
    private static void asNobody(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + " as nobody: " + out);
    }

    private static boolean canActAsAnotherUser() {
        try {
            Process p = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--", "true").start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private Path tmp(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix);
        made.add(dir);
        return dir;
    }

    /** chmod with a sticky bit, which PosixFilePermissions cannot say. */
    private static void chmod(String mode, Path path) throws Exception {
        Process p = new ProcessBuilder("chmod", mode, path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    @Test
    void aHomeAnotherUserCreatedIsRefusedAndTheJarTheyPlantedNeverRuns() throws Exception {
        Assumptions.assumeTrue(canActAsAnotherUser(), "skipped: cannot run a command as uid 65534 here (needs root and setpriv)");
        Path base = tmp("cluster-foreign-");
        chmod("1777", base);
        Path home = base.resolve("home");
        Path marker = base.resolve("pwned");
        asNobody("mkdir", "-m", "0777", home.toString());
        asNobody("mkdir", "-m", "0777", home.resolve("lib").toString());
        Path payload = base.resolve("payload.jar");
        writeJar(payload, TouchMarker.class);
        asNobody("cp", payload.toString(), home.resolve("lib").resolve("cluster-" + "0".repeat(16) + ".jar").toString());
        for (String command : new String[] {"ping", "list", "start"}) {
            ClusterFixture.Result r = command.equals("start")
                    ? cluster.clusterWith(Map.of("CLUSTER_HOME", home.toString(), "MARKER", marker.toString()), "start", "--port", "1", "--", "true")
                    : cluster.clusterWith(Map.of("CLUSTER_HOME", home.toString(), "MARKER", marker.toString()), command);
            assertEquals(1, r.exit(), command + ": " + r);
            assertEquals(1, r.errLines().size(), command + ": one line: " + r);
            assertTrue(r.err().contains("CLUSTER_HOME " + home + " belongs to nobody, not to you"), command + ": " + r);
        }
        assertFalse(Files.exists(marker), "the planted jar ran");
        assertFalse(Files.exists(home.resolve("control.sock")), "no daemon started there");
    }

    @Test
    void anExistingSharedDirectoryIsRefusedAndItsModeIsLeftAlone() throws Exception {
        Path shared = tmp("cluster-shared-");
        chmod("1777", shared);
        ClusterFixture.Result r = cluster.clusterWith(Map.of("CLUSTER_HOME", shared.toString()), "ping");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("CLUSTER_HOME " + shared + " is shared with other users (mode 1777)"), r.toString());
        assertEquals(01777, (Integer) Files.getAttribute(shared, "unix:mode") & 07777, "not chmodded");
        assertFalse(Files.exists(shared.resolve("control.sock")));
    }

    @Test
    void aHomeUnderADirectoryOthersCanWriteIsRefused() throws Exception {
        Path open = tmp("cluster-open-");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        ClusterFixture.Result r = cluster.clusterWith(Map.of("CLUSTER_HOME", open.resolve("home").toString()), "ping");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(open + ", a parent of " + open.resolve("home") + ", can be written by other users"), r.toString());
    }

    @Test
    void logFilesAreNeverWrittenOrTruncatedThroughALink() throws Exception {
        Path victim = tmp("cluster-victim-").resolve("precious.txt");
        Files.writeString(victim, "precious\n");
        cluster.ok("ping");
        Files.createSymbolicLink(cluster.home().resolve("logs/plain-0-out.log"), victim);
        int port = ClusterFixture.freePort();
        cluster.ok("start", "--port", Integer.toString(port), "--name", "plain", "--",
                ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), PlainServer.class.getName());
        ClusterFixture.await("the refusal in the daemon log", java.time.Duration.ofSeconds(10), () -> daemonLog().contains(
                cluster.home().resolve("logs/plain-0-out.log") + " is a symbolic link: refusing to follow it; remove it"));
        ClusterFixture.Result flush = cluster.cluster("flush", "plain:0");
        assertEquals(1, flush.exit(), flush.toString());
        assertTrue(flush.err().contains("is a symbolic link: refusing to follow it"), flush.toString());
        assertEquals("precious\n", Files.readString(victim), "the link's target was neither written nor truncated");
        assertTrue(Files.isSymbolicLink(cluster.home().resolve("logs/plain-0-out.log")));
    }

    @Test
    void describeShowsTheEnvironmentsNamesNotItsSecrets() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", "--port", Integer.toString(port), "--name", "plain", "--env", "API_TOKEN=s3cr3t-value", "--env", "GREETING=hi",
                "--", ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), PlainServer.class.getName());
        String text = cluster.ok("describe", "plain").out();
        assertTrue(text.contains("API_TOKEN, GREETING  (values hidden: --show-env shows them)"), text);
        assertFalse(text.contains("s3cr3t-value"), text);
        assertFalse(cluster.ok("describe", "plain", "--json").out().contains("s3cr3t-value"));
        assertTrue(cluster.ok("describe", "plain", "--show-env").out().contains("API_TOKEN=s3cr3t-value"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.home().resolve("apps.json"))));
    }

    @Test
    void whatAWorkerSaysCannotForgeALogLineNorDriveTheTerminal() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.cluster("start", "--port", Integer.toString(port), "--name", "forger", "--listen-timeout", "0", "--max-restarts", "0", "--min-uptime", "30s",
                "--", ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), ForgingWorker.class.getName());
        ClusterFixture.await("the stall reported and the worker errored", java.time.Duration.ofSeconds(20),
                () -> daemonLog().contains("blocked 150 ms") && cluster.worker("forger", 0).state().equals("errored"));
        String log = daemonLog();
        assertTrue(log.lines().noneMatch(line -> line.startsWith("2026-01-01T00:00:00Z")), "no forged line: " + log);
        assertTrue(log.contains("loop-0\\n2026-01-01T00:00:00Z INFO Supervisor - FORGED LINE"), log);
        String describe = cluster.ok("describe", "forger").out();
        assertFalse(describe.contains("\u001b"), "no escape sequence reaches the terminal: " + describe);
        assertTrue(describe.contains("bye \\x1b[2J\\x1b[H"), describe);
        assertTrue(describe.contains("evil.Frame(\\x1b[2J"), describe);
    }

    @Test
    void aStrangerOnTheWorkerSocketIsRefusedOnceAndTheRestOfWhatItSentIgnored() throws Exception {
        cluster.ok("ping"); // starts the supervisor, no app
        String hello = "{\"v\":1,\"type\":\"hello\",\"agent\":true}\n";
        for (int i = 0; i < 2; i++) {
            // Two lines in one write: the supervisor reads both in one batch and closes at the first.
            try (SocketChannel socket = SocketChannel.open(UnixDomainSocketAddress.of(
                    cluster.home().resolve("worker.sock")))) {
                socket.write(ByteBuffer.wrap((hello + hello).getBytes(StandardCharsets.UTF_8)));
                while (socket.read(ByteBuffer.allocate(256)) >= 0) {
                    // until the supervisor closes it
                }
            }
        }
        // One loop serves every connection in turn: the second refusal is logged after all the first connection's lines.
        ClusterFixture.await("both connections refused", java.time.Duration.ofSeconds(10),
                () -> daemonLog().split("no worker has that pid", -1).length == 3);
        String log = daemonLog();
        assertFalse(log.contains("ClosedChannelException"), "a line after the refusal is not read from the closed connection: " + log);
        assertEquals(2, log.lines().filter(line -> line.contains(" WARN WorkerHandler")).count(), "one warning per stranger: " + log);
    }

    private String daemonLog() {
        try {
            return Files.readString(cluster.home().resolve("daemon.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** A jar whose main creates the file named in $MARKER: proof that it ran. */
    private static void writeJar(Path jar, Class<?> main) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            String entry = main.getName().replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            Files.copy(ClusterFixture.TEST_CLASSES.resolve(entry), out);
        }
        assertTrue(Files.exists(jar, LinkOption.NOFOLLOW_LINKS));
    }

    /** The planted "daemon": it leaves a mark if it is ever run. */
    public static final class TouchMarker {
        public static void main(String[] args) throws IOException {
            try (OutputStream out = Files.newOutputStream(Path.of(System.getenv("MARKER")))) {
                out.write('!');
            }
        }
    }
}
