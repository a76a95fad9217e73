package dev.cluster.it;

import dev.cluster.cli.StartupCommandTest;
import dev.cluster.protocol.WorkerInfo;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cluster run} as systemd runs it (Type=notify, WatchdogSec, ExecReload), and the unit it writes. */
class SystemdIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    /** systemd's side of sd_notify: a datagram Unix socket collecting what the supervisor sends. */
    private static final class NotifySocket implements AutoCloseable {
        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        private final Channel channel;

        NotifySocket(Path path) {
            channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                            messages.add(packet.content().toString(StandardCharsets.UTF_8));
                        }
                    })
                    .bind(new DomainSocketAddress(path.toFile())).syncUninterruptibly().channel();
        }

        /** The first message from now on that matches; the failure lists every message seen. */
        String await(String what, Duration timeout, Predicate<String> matches) throws InterruptedException {
            long until = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < until) {
                String m = messages.poll(100, TimeUnit.MILLISECONDS);
                if (m != null) {
                    seen.add(m);
                    if (matches.test(m)) {
                        return m;
                    }
                }
            }
            throw new AssertionError("no " + what + " within " + timeout + "; received: " + seen);
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    private List<Long> onlinePids() {
        List<WorkerInfo> workers = cluster.list();
        assertTrue(workers.stream().allMatch(w -> w.state().equals("online")), workers.toString());
        return workers.stream().map(WorkerInfo::pid).toList();
    }

    @Test
    void saysReadyWhenTheAppsAreUpFeedsTheWatchdogReloadsOnHupStopsOnTermAndResurrects() throws Exception {
        Path socket = cluster.home().resolve("notify.sock");
        Map<String, String> systemdEnv = Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000");
        try (NotifySocket systemd = new NotifySocket(socket)) {
            int port = ClusterFixture.freePort();
            Process run = cluster.spawn(systemdEnv, "run", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web");
            String ready = systemd.await("READY=1", Duration.ofSeconds(60), m -> m.contains("READY=1"));
            assertTrue(ready.contains("STATUS=2/2 workers online in 1 app(s)"), ready);
            List<Long> before = onlinePids();
            assertEquals(2, before.size(), "READY=1 came once both workers were online");
            for (int i = 0; i < 3; i++) {
                systemd.await("WATCHDOG=1 (every 200 ms for WatchdogSec=400ms)", Duration.ofSeconds(5), "WATCHDOG=1"::equals);
            }

            assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(run.pid())).start().waitFor());
            systemd.await("RELOADING=1", Duration.ofSeconds(10), "RELOADING=1"::equals);
            systemd.await("READY=1 after the reload", Duration.ofSeconds(60), m -> m.startsWith("READY=1"));
            List<Long> after = onlinePids();
            assertTrue(after.stream().noneMatch(before::contains), "SIGHUP replaced every worker: " + before + " -> " + after);

            run.destroy(); // SIGTERM, as systemctl stop sends it
            systemd.await("STOPPING=1", Duration.ofSeconds(10), "STOPPING=1"::equals);
            assertTrue(run.waitFor(30, TimeUnit.SECONDS), "cluster run exits after SIGTERM");
            assertEquals(0, run.exitValue());
            assertTrue(after.stream().noneMatch(ClusterFixture::isRunning), "its workers are gone");

            // What the unit runs at the next boot: the saved list comes back.
            Process boot = cluster.spawn(systemdEnv, "run", "--resurrect");
            String back = systemd.await("READY=1 with the saved app", Duration.ofSeconds(60), m -> m.contains("READY=1"));
            assertTrue(back.contains("STATUS=2/2 workers online in 1 app(s)"), back);
            boot.destroy();
            assertTrue(boot.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void theFirstBootWithNothingSavedRunsWithNoAppsAndSaysSo() throws Exception {
        Path socket = cluster.home().resolve("notify.sock");
        try (NotifySocket systemd = new NotifySocket(socket)) {
            Process boot = cluster.spawn(Map.of("NOTIFY_SOCKET", socket.toString()), "run", "--resurrect");
            String ready = systemd.await("READY=1", Duration.ofSeconds(60), m -> m.contains("READY=1"));
            assertTrue(ready.contains("STATUS=0/0 workers online in 0 app(s)"), ready);
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(boot.pid())).start().waitFor()); // as systemctl stop; its output stays readable
            assertTrue(boot.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, boot.exitValue());
            String out = new String(boot.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(out.contains("no saved apps in " + cluster.home() + " yet: the supervisor runs with none"), out);
            assertFalse(out.contains("failed"), out);
        }
    }

    /**
     * A start or a stop may take longer than the unit's TimeoutStartSec or TimeoutStopSec: the supervisor
     * keeps moving systemd's deadline while it starts and stops, never while it runs. Here a server that
     * listens after 3 s and ignores SIGTERM, so that its stop lasts the kill timeout.
     */
    @Test
    void extendsSystemdsTimeoutWhileItStartsAndStopsNotWhileItRuns() throws Exception {
        Path socket = cluster.home().resolve("notify.sock");
        String extend = "EXTEND_TIMEOUT_USEC=30000000";
        try (NotifySocket systemd = new NotifySocket(socket)) {
            int port = ClusterFixture.freePort();
            Process run = cluster.spawn(Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000"), "run", "--name", "slow",
                    "--port", Integer.toString(port), "--kill-timeout", "4s", "--", "sh", "-c", "trap '' TERM; exec " + ClusterFixture.JAVA
                            + " -cp " + ClusterFixture.TEST_CLASSES + " " + PlainServer.class.getName() + " 3000");
            assertEquals(extend, systemd.await("an extension before READY=1", Duration.ofSeconds(60),
                    m -> m.startsWith("EXTEND_TIMEOUT_USEC=") || m.contains("READY=1")));
            systemd.await("READY=1", Duration.ofSeconds(60), m -> m.contains("READY=1"));
            for (int i = 0; i < 10; i++) { // 2 s of running, in which the once-a-second extension would have come
                String m = systemd.await("WATCHDOG=1", Duration.ofSeconds(5), w -> w.equals("WATCHDOG=1") || w.startsWith("EXTEND_TIMEOUT_USEC="));
                assertEquals("WATCHDOG=1", m, "no extension while it runs");
            }
            run.destroy();
            systemd.await("STOPPING=1", Duration.ofSeconds(10), "STOPPING=1"::equals);
            systemd.await("an extension while the worker drains", Duration.ofSeconds(10), extend::equals);
            assertTrue(run.waitFor(30, TimeUnit.SECONDS), "cluster run exits once the kill timeout has passed");
            assertEquals(0, run.exitValue());
        }
    }

    @Test
    void theUnitPassesSystemdAnalyzeVerify() throws Exception {
        String unit = cluster.ok("startup", "systemd", "--print").out();
        for (String line : List.of("Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID", "KillMode=mixed",
                "Restart=on-failure", "OOMScoreAdjust=-999", "Environment=CLUSTER_HOME=" + cluster.home())) {
            assertTrue(unit.contains(line), line + " missing in\n" + unit);
        }
        assertTrue(unit.matches("(?s).*\\nExecStart=/\\S+/java .*-Xmx64m.* -jar /\\S+/cluster\\.jar run --resurrect\\n.*"), unit);
        StartupCommandTest.assertSystemdAccepts(unit, cluster.home());
    }

    @Test
    void badInputIsOneLine() {
        ClusterFixture.Result upstart = cluster.cluster("startup", "upstart");
        assertEquals(1, upstart.exit(), upstart.toString());
        assertTrue(upstart.err().startsWith("cluster: startup supports 'systemd' only"), upstart.toString());
        ClusterFixture.Result nobody = cluster.cluster("startup", "systemd", "--user", "no-such-user-here");
        assertEquals(1, nobody.exit(), nobody.toString());
        assertTrue(nobody.err().startsWith("cluster: no user 'no-such-user-here' on this machine"), nobody.toString());
        ClusterFixture.Result both = cluster.cluster("run", WORKER_APP_JAR.toString(), "--resurrect");
        assertEquals(1, both.exit(), both.toString());
        assertTrue(both.err().startsWith("cluster: run takes either an app or --resurrect"), both.toString());
    }
}
