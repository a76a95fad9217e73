package dev.cluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady HTTP load from inside a test: some threads reuse keep-alive connections (reconnecting when
 * the server says {@code Connection: close}), others open a new connection per request. Every
 * request that does not get a 200 counts as failed. Each thread pauses {@link #PAUSE_MS} between
 * requests: steady traffic (a new connection every ~1 ms with 8 threads) rather than saturation, so
 * on a 2-core machine the new workers a test starts are not starved of CPU for their JVM start.
 */
final class LoadClient implements AutoCloseable {
    private static final long PAUSE_MS = 5;
    private final int port;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();

    LoadClient(int port, int keepAliveThreads, int perRequestThreads) {
        this.port = port;
        for (int i = 0; i < keepAliveThreads; i++) {
            threads.add(new Thread(this::keepAliveLoop, "load-keepalive-" + i));
        }
        for (int i = 0; i < perRequestThreads; i++) {
            threads.add(new Thread(this::perRequestLoop, "load-per-request-" + i));
        }
        threads.forEach(Thread::start);
    }

    int ok() {
        return ok.get();
    }

    int failed() {
        return failed.get();
    }

    List<String> failures() {
        return List.copyOf(failures.subList(0, Math.min(10, failures.size())));
    }

    private void perRequestLoop() {
        while (running.get()) {
            try {
                record(Http.get(port, "/whoami").status() == 200, "status");
            } catch (IOException e) {
                record(false, e.toString());
            }
            pause();
        }
    }

    private void keepAliveLoop() {
        Socket socket = null;
        while (running.get()) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                    socket.setSoTimeout(10_000);
                }
                OutputStream out = socket.getOutputStream();
                out.write("GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(socket.getInputStream());
                int length = Integer.parseInt(header(head, "content-length", "0"));
                socket.getInputStream().readNBytes(length);
                record(head.startsWith("HTTP/1.1 200"), head);
                if (header(head, "connection", "").equalsIgnoreCase("close")) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException | RuntimeException e) {
                record(false, "keep-alive: " + e);
                closeQuietly(socket);
                socket = null;
            }
            pause();
        }
        closeQuietly(socket);
    }

    private static void pause() {
        java.util.concurrent.locks.LockSupport.parkNanos(PAUSE_MS * 1_000_000);
    }

    private void record(boolean success, String why) {
        if (!running.get()) {
            return; // requests cut off by close() itself do not count
        }
        if (success) {
            ok.incrementAndGet();
        } else {
            failed.incrementAndGet();
            failures.add(why);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
        throw new IOException("connection closed after " + head.length() + " bytes of response head");
    }

    private static String header(String head, String name, String fallback) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return fallback;
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
