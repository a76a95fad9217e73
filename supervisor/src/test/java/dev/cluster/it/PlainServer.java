package dev.cluster.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A worker that knows nothing of cluster: no library, never reads stdin. It binds $PORT with
 * SO_REUSEPORT (after an optional delay; without it when the second argument is {@code exclusive},
 * as most programs bind) and answers every connection with the cluster variables it was given.
 */
public final class PlainServer {
    public static void main(String[] args) throws IOException, InterruptedException {
        long delay = args.length > 0 ? Long.parseLong(args[0]) : 0;
        boolean exclusive = args.length > 1 && args[1].equals("exclusive");
        Thread.sleep(delay);
        String body = "pid=" + ProcessHandle.current().pid()
                + " PORT=" + System.getenv("PORT")
                + " CLUSTER_WORKER_ID=" + System.getenv("CLUSTER_WORKER_ID")
                + " CLUSTER_INSTANCES=" + System.getenv("CLUSTER_INSTANCES")
                + " CLUSTER_APP=" + System.getenv("CLUSTER_APP")
                + " CLUSTER_WORKER_SOCKET=" + System.getenv("CLUSTER_WORKER_SOCKET")
                + " GREETING=" + System.getenv("GREETING") + "\n";
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_REUSEPORT, !exclusive);
            server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))));
            System.out.println("plain server listening");
            while (true) {
                try (SocketChannel client = server.accept()) {
                    client.read(java.nio.ByteBuffer.allocate(4096));
                    OutputStream out = java.nio.channels.Channels.newOutputStream(client);
                    out.write(response);
                    out.flush();
                }
            }
        }
    }
}
