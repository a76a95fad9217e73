import dev.cluster.sockets.NativeSockets;
import dev.cluster.worker.PortListeners;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * Times the daemon's two ways of listing the listening sockets (PortListeners): /proc/net/tcp{,6}
 * against the kernel's sock_diag, in one JVM, alternated. Run by bench/listeners.sh, which opens
 * the idle connections that make /proc slow first. Args: the native library, rounds.
 */
public class ListenersTiming {
    public static void main(String[] args) throws Exception {
        NativeSockets.load(Path.of(args[0]));
        int rounds = Integer.parseInt(args[1]);
        Supplier<List<PortListeners.Listener>> kernel = () -> {
            try {
                return PortListeners.fromSockDiag();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        boolean same = new HashSet<>(PortListeners.fromProc()).equals(new HashSet<>(kernel.get()));
        long[] proc = new long[rounds];
        long[] diag = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            proc[i] = time(PortListeners::fromProc);
            diag[i] = time(kernel);
        }
        System.out.printf("listeners %d, the same from both: %s%n/proc/net/tcp{,6}: %s%nsock_diag:         %s%n",
                kernel.get().size(), same, stats(proc), stats(diag));
    }

    private static long time(Supplier<List<PortListeners.Listener>> way) {
        long start = System.nanoTime();
        way.get();
        return System.nanoTime() - start;
    }

    private static String stats(long[] nanos) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return String.format("median %.2f ms, min %.2f, max %.2f (n=%d)", sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6,
                sorted[sorted.length - 1] / 1e6, sorted.length);
    }
}
