package dev.cluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

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
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.1 ")) {
                throw new IOException("not an HTTP response: '" + response + "'");
            }
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Reply(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
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
