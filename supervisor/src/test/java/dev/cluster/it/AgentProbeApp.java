package dev.cluster.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An unmodified, non-Netty jar app for the agent test: accepts on $PORT on a daemon thread, makes
 * some garbage, and returns from main after the given milliseconds. Its JVM exits then only if
 * nothing else (the telemetry agent included) holds it open.
 */
public final class AgentProbeApp {
    public static void main(String[] args) throws IOException, InterruptedException {
        long runMs = Long.parseLong(args[0]);
        String port = System.getenv("PORT");
        if (port != null) {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)));
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (SocketChannel client = server.accept()) {
                        client.write(java.nio.ByteBuffer.wrap("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".getBytes()));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }
        long until = System.currentTimeMillis() + runMs;
        List<byte[]> garbage = new ArrayList<>();
        while (System.currentTimeMillis() < until) {
            garbage.add(new byte[64 * 1024]);
            if (garbage.size() > 200) {
                garbage.clear();
            }
            Thread.sleep(5);
        }
        System.out.println("agent probe app done after " + runMs + " ms");
    }
}
