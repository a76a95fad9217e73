package dev.cluster.demo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HttpServerTest {
    /**
     * A standby that takes over a slot, or a restarted worker, is handed a socket with connections
     * already queued on it: clients that came while no process served it. The server accepts them the
     * moment its listener is registered, so the handlers of those first connections must not depend
     * on anything made after the registration (they once read a server field still null, failed on
     * their request, and closed the connection with no answer).
     */
    @Test
    void connectionsQueuedOnAnInheritedSocketBeforeItIsServedAreAllAnswered() throws Exception {
        assumeTrue(Epoll.isAvailable(), "an inherited socket is served on epoll only");
        for (int round = 0; round < 20; round++) {
            Socket listener = Socket.newSocketStream();
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(128);
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            List<java.net.Socket> clients = new ArrayList<>();
            EventLoopGroup loops = HttpServer.loops();
            loops.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly()); // running already, as a standby's are
            HttpServer server = null;
            try {
                for (int i = 0; i < 32; i++) { // queued in the kernel's backlog: nothing accepts yet
                    java.net.Socket client = new java.net.Socket("127.0.0.1", port);
                    client.setSoTimeout(10_000);
                    client.getOutputStream().write("GET /whoami HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    clients.add(client);
                }
                server = HttpServer.start("127.0.0.1", port, new int[] {listener.intValue()}, new Routes("t", 0, 1), loops);
                for (java.net.Socket client : clients) {
                    String answer = readAll(client.getInputStream());
                    assertTrue(answer.startsWith("HTTP/1.1 200 "), "round " + round + ": not answered: '" + answer + "'");
                }
            } finally {
                for (java.net.Socket client : clients) {
                    client.close();
                }
                if (server != null) {
                    server.drain(Duration.ofMillis(100));
                } else {
                    loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.US_ASCII);
    }
}
