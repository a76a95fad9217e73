package dev.cluster.worker;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether one given process listens on a TCP port, read from /proc. With SO_REUSEPORT several
 * workers share the port, so "the port accepts a connection" would be true as soon as any one of
 * them is up; this asks about the worker itself.
 */
final class PortListeners {
    private static final String LISTEN = "0A";

    private PortListeners() {
    }

    static boolean listens(long pid, int port) {
        Set<String> inodes = listeningSocketInodes(port);
        if (inodes.isEmpty()) {
            return false;
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                String link = readLink(fd);
                if (link.startsWith("socket:[") && inodes.contains(link.substring(8, link.length() - 1))) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false; // the process is gone or not ours to inspect
        }
        return false;
    }

    /** Inodes of sockets in state LISTEN on the port, from /proc/net/tcp and tcp6. */
    static Set<String> listeningSocketInodes(int port) {
        String hexPort = String.format(":%04X", port);
        Set<String> inodes = new HashSet<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length > 9 && f[1].endsWith(hexPort) && LISTEN.equals(f[3])) {
                    inodes.add(f[9]);
                }
            }
        }
        return inodes;
    }

    private static String readLink(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }
}
