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
 * once the apps are up, {@code STATUS=} lines, {@code RELOADING=1}/{@code STOPPING=1}, and
 * {@code WATCHDOG=1}. The protocol is one datagram per message to the Unix socket in
 * {@code $NOTIFY_SOCKET}; the JDK has no datagram Unix sockets, Netty's epoll transport does.
 */
final class SystemdNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    private final Channel channel;
    private final long watchdogIntervalMs;

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
        channel.writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        log.warn("systemd notification '{}' not sent: {}", state.replace('\n', ' '), f.cause().toString());
                    }
                });
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
    }
}
