package dev.cluster.agent.bind;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The native half of listener handoff for unmodified apps (slotsocket.c): what the JDK cannot do,
 * namely receive a socket over SCM_RIGHTS and put it under the number of the app's own socket.
 * One JNI library serves every JDK from 17 on; the supervisor installs it beside the agent and
 * names it in the agent's arguments.
 */
final class SlotSocket {
    private static volatile boolean loaded;

    private SlotSocket() {
    }

    /** Loads the library; afterwards {@link #available()} says whether handoff can work. */
    static void load(Path library) {
        System.load(library.toString());
        loaded = true;
    }

    static boolean available() {
        return loaded;
    }

    /** A TCP socket's bound address, and whether the socket itself is IPv6 (it may be bound to an IPv4-mapped address). */
    record Bound(InetSocketAddress address, boolean ipv6) {
    }

    /** What the socket {@code fd} is bound to, or null when it is not a TCP socket. */
    static Bound bound(int fd) throws IOException {
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

    static native int fdOf(FileDescriptor fd);

    private static native byte[] boundAddress(int fd) throws IOException;

    /** Sends {@code request} on the Unix-domain socket at {@code path} and returns every descriptor the peer sends before it hangs up. */
    static native int[] receive(String path, byte[] request, int timeoutMs) throws IOException;

    /** Puts socket {@code received} under the number {@code target}, keeping target's blocking mode; closes {@code received}. */
    static native void adopt(int received, int target) throws IOException;

    static native void close(int fd);
}
