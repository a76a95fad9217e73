package dev.cluster.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every user mistake: one clear line, a non-zero exit, no stack trace, and nothing running is disturbed. */
class BadInputIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private void assertRefused(String expected, String... args) {
        ClusterFixture.Result r = cluster.cluster(args);
        assertNotEquals(0, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), "one line: " + r);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("cluster: "), line);
        assertTrue(line.contains(expected), "'" + expected + "' in: " + line);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r);
    }

    @Test
    void mistakesAreOneLineAndLeaveTheDaemonAndAppsRunning() throws Exception {
        int port = ClusterFixture.freePort();
        String jar = WORKER_APP_JAR.toString();
        cluster.ok("start", jar, "-i", "2", "--port", Integer.toString(port), "--name", "web");
        long daemon = cluster.daemonPid();
        List<Long> pids = cluster.list().stream().map(w -> w.pid()).toList();

        assertRefused("jar not found", "start", cluster.home().resolve("missing.jar").toString(), "--port", Integer.toString(ClusterFixture.freePort()));
        assertRefused("--instances must be a number of workers from 1 to", "start", jar, "-i", "0");
        assertRefused("--instances must be a number of workers from 1 to 1024, or max (got 'abc')", "start", jar, "-i", "abc");
        assertRefused("--port must be a whole number from 1 to 65535 (got '99999999999')", "start", jar, "--port", "99999999999");
        assertRefused("--restart-delay must be at most 1h", "start", jar, "--restart-delay", "999999999h");
        assertRefused("no app or worker 'nope'", "stop", "nope");
        assertRefused("no app or worker 'web:7'", "restart", "web:7");
        assertRefused("no app or worker '9'", "describe", "9");
        assertRefused("invalid app name 'a/b'", "start", jar, "--name", "a/b");
        assertRefused("invalid app name '..'", "start", jar, "--name", "..");
        assertRefused("invalid app name '../../etc/x'", "start", jar, "--name", "../../etc/x");
        assertRefused("already exists", "start", jar, "--name", "web", "--port", Integer.toString(ClusterFixture.freePort()));
        assertRefused("already used by app 'web'", "start", jar, "--name", "other", "--port", Integer.toString(port));
        assertRefused("not a duration", "start", jar, "--kill-timeout", "5x");
        assertRefused("Unknown option", "start", jar, "--bogus");
        assertRefused("already running", "run");
        assertRefused("--lag-threshold must be at least 1ms", "start", jar, "--name", "lt", "--lag-threshold", "0", "--port", Integer.toString(ClusterFixture.freePort()));
        assertRefused("--block-threshold must be at least 10ms", "start", jar, "--name", "bt", "--block-threshold", "5ms", "--port", Integer.toString(ClusterFixture.freePort()));
        assertRefused("the metrics port must be between 1 and 65535", "metrics", "--serve", "70000");
        assertRefused("--metrics-port must be between 1 and 65535", "run", "--metrics-port", "0");
        // A jar (here a link to one) in a directory that others can write: they could swap the code a worker runs.
        Path shared = Files.createDirectory(cluster.home().resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(shared.resolve("app.jar"), WORKER_APP_JAR);
        assertRefused("jar " + shared.resolve("app.jar") + " is under " + shared + ", which can be written by other users (mode 0777)",
                "start", shared.resolve("app.jar").toString(), "--name", "planted", "--port", Integer.toString(ClusterFixture.freePort()));
        try (ServerSocket plain = new ServerSocket()) {
            plain.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertRefused("in use by another process", "start", jar, "--name", "held", "--port", Integer.toString(plain.getLocalPort()));
        }
        // One that shares its port (another supervisor's app, here this test's JVM): the kernel would split the connections.
        try (ServerSocketChannel sharing = ServerSocketChannel.open()) {
            sharing.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            sharing.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int taken = ((InetSocketAddress) sharing.getLocalAddress()).getPort();
            assertRefused("port " + taken + " is already served by pid " + ProcessHandle.current().pid() + " (" + ClusterFixture.JAVA
                    + "), which shares it (SO_REUSEPORT), so the kernel would split the connections between it and shared: stop it or "
                    + "choose another --port (see 'ss -ltnp sport = :" + taken + "')", "start", jar, "--name", "shared", "--port", Integer.toString(taken));
        }

        assertEquals(daemon, cluster.daemonPid());
        assertEquals(pids, cluster.list().stream().map(w -> w.pid()).toList(), "the app kept its workers");
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("online")));
        assertFalse(cluster.home().getParent().resolve("etc").toFile().exists());
    }

    @Test
    void garbageOnTheControlSocketClosesThatConnectionOnly() throws Exception {
        cluster.ok("ping");
        long daemon = cluster.daemonPid();
        for (String garbage : new String[] {"not json\n", "{\"v\":99,\"command\":\"list\"}\n", "{\"v\":1,\"command\":\"explode\"}\n", "x".repeat(5_000_000)}) {
            try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(cluster.home().resolve("control.sock")))) {
                raw.write(ByteBuffer.wrap(garbage.getBytes(StandardCharsets.UTF_8)));
                raw.read(ByteBuffer.allocate(4096));
            } catch (java.io.IOException e) {
                // the daemon may close on us mid-write: that is the point
            }
        }
        assertEquals(daemon, cluster.daemonPid());
        assertTrue(cluster.ok("ping").out().startsWith("pong"));
    }

    @Test
    void commandsThatNeedADaemonSaySoWhenNoneRuns() {
        assertRefused("no supervisor is running", "stop", "all");
        assertRefused("no supervisor is running, so there are no metrics", "metrics");
        assertEquals(List.of(), cluster.list());
        assertFalse(cluster.home().resolve("control.sock").toFile().exists(), "list does not start a daemon");
    }
}
