package dev.cluster.reload;

import dev.cluster.worker.PortListeners;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * Whether a second worker could bind a port that something already listens on: for each listener
 * on the port, a socket with SO_REUSEPORT is bound beside it (and closed at once: it never listens,
 * so no connection is ever routed to it). The kernel refuses that bind when the listener did not set
 * SO_REUSEPORT itself (or belongs to another user), which is exactly what a second worker would meet.
 */
public final class SharingProbe {
    /** Linux's EADDRINUSE, as Netty reports a failed native call (its negative errno). */
    private static final int EADDRINUSE_NEGATIVE = -98;

    private SharingProbe() {
    }

    /** The first of {@code listeners} that a second worker could not bind beside, if any. */
    public static Optional<PortListeners.Listener> unshareable(List<PortListeners.Listener> listeners) {
        return listeners.stream().filter(l -> !canJoin(l)).findFirst();
    }

    private static boolean canJoin(PortListeners.Listener listener) {
        int port = listener.port();
        LinuxSocket probe = LinuxSocket.newSocketStream(listener.ipv6());
        try {
            probe.setReusePort(true);
            probe.bind(new InetSocketAddress(listener.address(), port));
            return true;
        } catch (Errors.NativeIoException e) {
            return e.expectedErr() != EADDRINUSE_NEGATIVE;
        } catch (IOException e) {
            return true; // no verdict: only "address in use" says the port is not shared
        } finally {
            try {
                probe.close();
            } catch (IOException ignored) {
                // a probe that cannot be closed leaks one unbound descriptor
            }
        }
    }
}
