package dev.cluster.it;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An app that leaks: 8 MB more resident memory every second, for ever. It listens on $PORT (with
 * SO_REUSEPORT, as a replacement must), so the supervisor can tell when it is up; with the argument
 * {@code quiet} it never listens.
 */
public final class Hog {
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("quiet")) {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))));
        }
        List<byte[]> kept = new ArrayList<>();
        while (true) {
            byte[] chunk = new byte[8 << 20];
            for (int i = 0; i < chunk.length; i += 4096) {
                chunk[i] = 1; // touch every page, so it is resident
            }
            kept.add(chunk);
            System.out.println("holding " + kept.size() * 8 + " MB");
            Thread.sleep(1_000);
        }
    }
}
