package dev.cluster.demo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * What a standby does before it waits for its slot: serves requests of its own on a private
 * loopback port, through the same server code and, with epoll, the same adoption of a listening
 * socket's descriptor that its takeover takes, so that the first real request after it takes over
 * finds the classes loaded and the hot paths compiled (a cold first request costs ~200 ms on this
 * kind of machine; a takeover should cost a few).
 */
final class Warmup {
    private static final int REQUESTS = 500;
    private static final String[] PATHS = {"/", "/whoami", "/health"};

    private Warmup() {
    }

    /**
     * On the loops that serve after the takeover (not loops of its own, shut down after): their
     * threads' buffer caches and thread-locals are made and warm, as the compiled code is.
     */
    static void run(String app, long pid, EventLoopGroup loops) throws IOException {
        int[] listener = new int[0];
        if (Epoll.isAvailable()) {
            // A listening socket's descriptor, served as one from the supervisor is: the takeover's own path.
            io.netty.channel.unix.Socket socket = io.netty.channel.unix.Socket.newSocketStream();
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            socket.listen(128);
            listener = new int[] {socket.intValue()};
        }
        HttpServer server = HttpServer.start("127.0.0.1", 0, listener, new Routes(app, -1, pid), loops);
        try {
            for (int i = 0; i < REQUESTS; i++) {
                get(server.port(), PATHS[i % PATHS.length]);
            }
        } finally {
            server.stopListening(); // each connection was closed by the server as it answered
        }
    }

    /** One request on a new connection, as a client's first one after a takeover comes. */
    private static void get(int port, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            while (in.read(new byte[4096]) >= 0) {
                // until the server closes: the whole answer was read
            }
        }
    }
}
