package dev.cluster.sockets;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What the JDK and Netty cannot do with a socket, from the small JNI library {@code slotsocket.c}
 * (built into the jars; the supervisor installs it into {@code $CLUSTER_HOME/lib}):
 * <ul>
 * <li>in a worker, for the agent: receive a socket over SCM_RIGHTS and put it under the number of
 *     the app's own socket (listener handoff for unmodified apps);</li>
 * <li>in the supervisor: read a listener's accept queue, steer a SO_REUSEPORT group, watch a
 *     process that is not its child (a pidfd: a worker's death watch), and list the listening sockets
 *     without reading every connection of the machine.</li>
 * </ul>
 * One library serves every JDK from 17 on.
 */
public final class NativeSockets {
    private static volatile boolean loaded;

    private NativeSockets() {
    }

    /** Loads the library; afterwards {@link #available()} is true. */
    public static synchronized void load(Path library) {
        if (!loaded) {
            System.load(library.toString());
            loaded = true;
        }
    }

    public static boolean available() {
        return loaded;
    }

    /** A TCP socket's bound address, and whether the socket itself is IPv6 (it may be bound to an IPv4-mapped address). */
    public record Bound(InetSocketAddress address, boolean ipv6) {
    }

    /** What the socket {@code fd} is bound to, or null when it is not a TCP socket. */
    public static Bound bound(int fd) throws IOException {
        byte[] raw = boundAddress(fd);
        if (raw == null) {
            return null;
        }
        int port = (raw[1] & 0xff) << 8 | raw[2] & 0xff;
        try {
            // InetAddress turns an IPv4-mapped IPv6 address into the IPv4 one, as the JDK reports it.
            InetAddress address = InetAddress.getByAddress(Arrays.copyOfRange(raw, 3, raw.length));
            return new Bound(new InetSocketAddress(address, port), raw[0] == 6);
        } catch (UnknownHostException e) {
            throw new IOException("unreadable socket address", e);
        }
    }

    public static native int fdOf(FileDescriptor fd);

    private static native byte[] boundAddress(int fd) throws IOException;

    /** Sends {@code request} on the Unix-domain socket at {@code path} and returns every descriptor the peer sends before it hangs up. */
    public static native int[] receive(String path, byte[] request, int timeoutMs) throws IOException;

    /**
     * Puts socket {@code received} under the number {@code target}, keeping target's blocking mode and
     * epoll registrations; closes {@code received}.
     */
    public static native void adopt(int received, int target) throws IOException;

    public static native void close(int fd);

    /** Connections waiting in listening socket {@code fd}'s accept queue. */
    public static native long acceptQueue(int fd) throws IOException;

    /**
     * New connections to the SO_REUSEPORT group of listening socket {@code fd} go to one of
     * {@code allowed} (indices in the group's order), at random; none: the kernel's own choice.
     */
    public static native void steer(int fd, int[] allowed) throws IOException;

    /**
     * Every listening TCP socket of this network namespace, from the kernel's sock_diag: 23 bytes each,
     * the family (4 or 6), the port (2 bytes), the address (16 bytes, an IPv4 one in the first 4), the inode (4 bytes),
     * big-endian.
     */
    public static native byte[] listeners() throws IOException;

    /** A pidfd for process {@code pid}: it refers to that process, never to a later one with its number. */
    public static native int pidfd(long pid) throws IOException;

    /** Blocks until the process of pidfd {@code fd} has exited. */
    public static native void awaitExit(int fd) throws IOException;

    /** SIGKILL to the process of pidfd {@code fd}, if it still runs. */
    public static native void killPidfd(int fd);
}
