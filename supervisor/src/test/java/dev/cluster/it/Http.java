package dev.cluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One HTTP/1.1 GET on a new connection, so the kernel picks a worker for every request. */
public final class Http {
    private Http() {
    }

    public record Reply(int status, String body) {
    }

    public static Reply get(int port, String path) throws IOException {
        return get(port, path, 5_000);
    }

    /** The same, giving up when no answer comes within {@code timeoutMs}. */
    public static Reply get(int port, String path, int timeoutMs) throws IOException {
        try (Pending request = send(port, path, timeoutMs)) {
            return request.reply();
        }
    }

    /** Sends a GET now; its answer is read later, with {@link Pending#reply}. */
    public static Pending send(int port, String path, int timeoutMs) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new Pending(socket, port);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** A request on its way: sent, perhaps read by the server, its answer not read yet. */
    public static final class Pending implements AutoCloseable {
        private final Socket socket;
        private final int serverPort;

        private Pending(Socket socket, int serverPort) {
            this.socket = socket;
            this.serverPort = serverPort;
        }

        /**
         * Whether the server's app has read the request, as the kernel's table of TCP sockets
         * ({@code /proc/net/tcp} and {@code tcp6}) shows it: nothing is left unacknowledged in the client's send queue,
         * and the server's end of the connection (accepted, so out of the listener's queue) has nothing
         * left in its receive queue.
         */
        public boolean readByServer() throws IOException {
            int clientPort = socket.getLocalPort();
            boolean sent = false;
            boolean read = false;
            List<String> table = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
            table.addAll(Files.readAllLines(Path.of("/proc/net/tcp6"))); // a dual-stack server's end of an IPv4 connection
            for (String line : table) {
                String[] f = line.trim().split("\\s+"); // sl local remote st tx_queue:rx_queue ...
                if (f.length < 5 || !f[1].contains(":")) {
                    continue;
                }
                int local = port(f[1]);
                int remote = port(f[2]);
                String[] queues = f[4].split(":");
                if (local == clientPort && remote == serverPort) {
                    sent = Long.parseLong(queues[0], 16) == 0;
                } else if (local == serverPort && remote == clientPort) {
                    read = Long.parseLong(queues[1], 16) == 0;
                }
            }
            return sent && read;
        }

        private static int port(String hexAddress) {
            return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
        }

        public Reply reply() throws IOException {
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.1 ")) {
                throw new IOException("not an HTTP response: '" + response + "'");
            }
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Reply(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The pid a zoo app answers on / with. */
    public static long rootPid(int port) throws IOException {
        return Long.parseLong(get(port, "/").body().trim());
    }

    /** The pid in a /whoami answer. */
    public static long whoamiPid(int port) throws IOException {
        return whoamiPid(port, 5_000);
    }

    public static long whoamiPid(int port, int timeoutMs) throws IOException {
        String body = get(port, "/whoami", timeoutMs).body();
        int at = body.indexOf("\"pid\":");
        return Long.parseLong(body.substring(at + 6).replaceAll("[^0-9].*", "").trim());
    }
}
