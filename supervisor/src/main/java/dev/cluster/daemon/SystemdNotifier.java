package dev.cluster.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) for a supervisor that systemd runs as a {@code Type=notify} service: {@code READY=1}
 * once the apps are up, {@code STATUS=} lines, {@code RELOADING=1}/{@code STOPPING=1},
 * {@code WATCHDOG=1}, and {@code EXTEND_TIMEOUT_USEC=} while it starts, reloads or stops. The
 * protocol is one datagram per message to the Unix socket in {@code $NOTIFY_SOCKET}; the JDK has
 * no datagram Unix sockets, Netty's epoll transport does.
 */
final class SystemdNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    /** How much longer each {@link #extendWhileBusy} gives systemd's timeout. */
    static final long EXTENSION_MS = 30_000;

    private final Channel channel;
    private final long watchdogIntervalMs;
    /** Starting (until the first READY=1), reloading or stopping. Used on the supervisor's loop only. */
    private boolean busy = true;

    private SystemdNotifier(Channel channel, long watchdogIntervalMs) {
        this.channel = channel;
        this.watchdogIntervalMs = watchdogIntervalMs;
    }

    /** The notifier systemd asked for, or null when not run by systemd ({@code NOTIFY_SOCKET} unset). */
    static SystemdNotifier fromEnvironment(EventLoopGroup group) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return null;
        }
        // "@name" is a socket in the abstract namespace, which Netty addresses with a leading NUL.
        DomainSocketAddress target = new DomainSocketAddress(socket.startsWith("@") ? "\0" + socket.substring(1) : socket);
        // Connected, not sendto per message: Netty's datagram channel writes only once it is active.
        Channel channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(target).syncUninterruptibly().channel();
        log.info("systemd notification socket {}; watchdog {}", socket, watchdogMs() > 0 ? watchdogMs() / 2 + " ms" : "off");
        return new SystemdNotifier(channel, watchdogMs() / 2);
    }

    /** WatchdogSec= as systemd passes it, for this process (WATCHDOG_PID, when set, must be ours); 0 when off. */
    private static long watchdogMs() {
        String usec = System.getenv("WATCHDOG_USEC");
        String pid = System.getenv("WATCHDOG_PID");
        if (usec == null || (pid != null && !pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            return 0;
        }
        try {
            return Long.parseLong(usec.trim()) / 1_000;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** How often to send {@code WATCHDOG=1} (half of WatchdogSec, as sd_watchdog_enabled(3) advises); 0: never. */
    long watchdogIntervalMs() {
        return watchdogIntervalMs;
    }

    /** Sends newline-separated assignments, e.g. {@code READY=1\nSTATUS=4/4 workers online}. */
    void send(String state) {
        if (state.startsWith("READY=1")) {
            busy = false;
        } else if (state.startsWith("RELOADING=1") || state.startsWith("STOPPING=1")) {
            busy = true;
        }
        channel.writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        log.warn("systemd notification '{}' not sent: {}", state.replace('\n', ' '), f.cause().toString());
                    }
                });
    }

    /**
     * Called every second from the supervisor's loop. Starting the saved apps (Spring Boot apps one after
     * another on a loaded boot), a reload and a stop (drains of {@code --kill-timeout 2m}) take as long as
     * the apps need, which can be more than the unit's TimeoutStartSec (90 s) or TimeoutStopSec (60 s):
     * systemd would kill the supervisor mid-start, and restart it to fail the same way, or its workers
     * mid-drain. While busy, each call moves systemd's deadline to {@value #EXTENSION_MS} ms from now. The
     * supervisor's own bounds end each of these (a start's readiness allowance, a stop's kill timeout); if
     * its loop stops turning, the extensions stop and systemd's timeout comes at most that much later.
     */
    void extendWhileBusy() {
        if (busy) {
            send("EXTEND_TIMEOUT_USEC=" + EXTENSION_MS * 1_000);
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
    }
}
