package dev.cluster.worker;

import dev.cluster.sockets.NativeSockets;
import dev.cluster.view.Untrusted;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The sockets listening on a TCP port, and which process holds them, read from the kernel. With
 * SO_REUSEPORT several workers share the port, so "the port accepts a connection" would be true as
 * soon as any one of them is up; this asks about the worker itself.
 */
public final class PortListeners {
    private static final String LISTEN = "0A";

    private PortListeners() {
    }

    /** A listening socket: where it is bound, whether it is an IPv6 socket, and its inode (what /proc/PID/fd links name). */
    public record Listener(InetAddress address, int port, boolean ipv6, String inode) {
    }

    /** Whether process {@code pid} holds a socket listening on {@code port}. */
    static boolean listens(long pid, int port) {
        return !heldBy(pid, listening(port)).isEmpty();
    }

    /**
     * Whether {@code port} is one the kernel hands out to a bind of port 0 (an RMI server of JMX, say):
     * every worker gets a port of its own there, so such a listener is never one the workers share.
     */
    public static boolean ephemeral(int port) {
        int[] range;
        try {
            range = portRange(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")));
        } catch (IOException | RuntimeException e) {
            range = new int[] {32768, 60999}; // Linux's default
        }
        return port >= range[0] && port <= range[1];
    }

    /** The two numbers of {@code ip_local_port_range} ("32768\t60999\n"). */
    static int[] portRange(String text) {
        String[] bounds = text.trim().split("\\s+");
        return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
    }

    /** Those of {@code listeners} that process {@code pid} holds. */
    public static List<Listener> heldBy(long pid, List<Listener> listeners) {
        if (listeners.isEmpty()) {
            return List.of();
        }
        Set<String> inodes = socketInodes(pid);
        return listeners.stream().filter(l -> inodes.contains(l.inode())).toList();
    }

    /** Every socket listening on the port. */
    public static List<Listener> listening(int port) {
        return listening().stream().filter(l -> l.port() == port).toList();
    }

    /**
     * Every listening TCP socket of this network namespace. The daemon's loop asks at every bind and close of a slot's
     * socket, so it asks the kernel's sock_diag for listeners alone when it can: /proc/net/tcp lists every connection
     * too, ~70 ms to read with 38,000 of them here (BENCHMARKS.md), and more on a busier server.
     */
    public static List<Listener> listening() {
        if (NativeSockets.available()) {
            try {
                return fromSockDiag();
            } catch (IOException | UnsatisfiedLinkError e) {
                // No sock_diag for TCP (its module not loaded), or a library from before it was asked: /proc says the same.
            }
        }
        return fromProc();
    }

    /** {@link #listening()} through the native library's sock_diag query. */
    public static List<Listener> fromSockDiag() throws IOException {
        ByteBuffer records = ByteBuffer.wrap(NativeSockets.listeners());
        List<Listener> found = new ArrayList<>();
        while (records.remaining() >= 23) {
            boolean ipv6 = records.get() == 6;
            int port = records.getShort() & 0xffff;
            byte[] address = new byte[16];
            records.get(address);
            // As with /proc: an IPv4-mapped address on an IPv6 socket reads as the IPv4 address.
            InetAddress bound = InetAddress.getByAddress(ipv6 ? address : Arrays.copyOf(address, 4));
            found.add(new Listener(bound, port, ipv6, Integer.toUnsignedString(records.getInt())));
        }
        return found;
    }

    /** {@link #listening()} read from /proc/net/tcp and tcp6. */
    public static List<Listener> fromProc() {
        List<Listener> found = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                // Most lines are connections (a busy server has tens of thousands): skip them unsplit. " 0A " is only ever the
                // state, the one two-digit hex field; those around it are wider, or decimal.
                if (!line.contains(" " + LISTEN + " ")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length > 9 && LISTEN.equals(f[3])) {
                    int colon = f[1].indexOf(':');
                    found.add(new Listener(address(f[1].substring(0, colon)), Integer.parseInt(f[1].substring(colon + 1), 16),
                            table.endsWith("6"), f[9]));
                }
            }
        }
        return found;
    }

    /**
     * "pid N (command)" of a process holding the listener, found among /proc's processes we can
     * inspect; "a process of another user" if none of them holds it.
     */
    public static String holder(Listener listener) {
        String socket = "socket:[" + listener.inode() + "]";
        return OpenFiles.holder(pid -> true, socket::equals).map(pid -> "pid " + pid + " ("
                        + Untrusted.escape(ProcessHandle.of(pid).flatMap(h -> h.info().command()).orElse("?"), 200) + ")") // another user's text
                .orElse("a process of another user");
    }

    /** The kernel prints the address as 32-bit words in the machine's byte order (little-endian here). */
    static InetAddress address(String hex) {
        byte[] raw = HexFormat.of().parseHex(hex);
        byte[] address = new byte[raw.length];
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                address[word + i] = raw[word + 3 - i];
            }
        }
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + hex, e);
        }
    }

    private static Set<String> socketInodes(long pid) {
        return OpenFiles.of(pid).stream().filter(l -> l.startsWith("socket:[")).map(l -> l.substring(8, l.length() - 1))
                .collect(Collectors.toSet());
    }

    /**
     * Refuses a port that a process already listens on: with SO_REUSEPORT set, so the validator's probe could join it, but
     * no app of ours; the kernel would give it a share of {@code app}'s connections (another supervisor's app, say).
     */
    public static void requireNoneOn(int port, String app) {
        List<Listener> listening = listening(port);
        if (!listening.isEmpty()) {
            throw new IllegalArgumentException("port " + port + " is already served by " + holder(listening.get(0))
                    + ", which shares it (SO_REUSEPORT), so the kernel would split the connections between it and " + app
                    + ": stop it or choose another --port (see 'ss -ltnp sport = :" + port + "')");
        }
    }
}
