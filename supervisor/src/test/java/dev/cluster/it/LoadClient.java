package dev.cluster.it;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady HTTP load from inside a test: some threads reuse keep-alive connections (reconnecting when
 * the server says {@code Connection: close} or closes), others open a new connection per request.
 * Every request that does not get a 200 counts as failed, and failures are told apart by what they
 * say about the supervisor:
 * <ul>
 * <li>a <b>new connection</b> failed: the connect, or the first request on a fresh connection, got
 *     no 200 (a reset queue, nobody accepting);</li>
 * <li>a <b>keep-alive</b> request failed on a connection that had served before: the server closed
 *     it while the request was on its way, which depends on how the app itself drains;</li>
 * <li>a request <b>hung</b>: no answer within the timeout, of either kind.</li>
 * </ul>
 * Each thread pauses {@link #PAUSE_MS} between requests: steady traffic (a new connection every ~1 ms
 * with 8 threads) rather than saturation, so on a 2-core machine the new workers a test starts are
 * not starved of CPU for their JVM start.
 */
final class LoadClient implements AutoCloseable {
    private static final long PAUSE_MS = 5;
    private final int port;
    private final String path;
    private final int timeoutMs;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger newConnectionFailures = new AtomicInteger();
    private final AtomicInteger keepAliveFailures = new AtomicInteger();
    private final AtomicInteger hung = new AtomicInteger();
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Every counted request's time to its answer (or failure), in microseconds. */
    private final Histogram latencyUs = new ConcurrentHistogram(3);
    private final List<Thread> threads = new ArrayList<>();

    LoadClient(int port, int keepAliveThreads, int perRequestThreads) {
        this(port, "/whoami", 10_000, keepAliveThreads, perRequestThreads);
    }

    /** @param timeoutMs how long a request may wait for its answer before it counts as hung */
    LoadClient(int port, String path, int timeoutMs, int keepAliveThreads, int perRequestThreads) {
        this.port = port;
        this.path = path;
        this.timeoutMs = timeoutMs;
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

    /**
     * Waits until {@code n} more requests than now have been answered: load is flowing before what the
     * test does next, or through the workers that what it just did left serving.
     */
    void awaitAnswered(int n) {
        int target = ok() + n;
        ClusterFixture.await(n + " more answered requests", Duration.ofSeconds(120), () -> ok() >= target);
    }

    /** Every failed request, of any kind. */
    int failed() {
        return newConnectionFailures.get() + keepAliveFailures.get();
    }

    int newConnectionFailures() {
        return newConnectionFailures.get();
    }

    int keepAliveFailures() {
        return keepAliveFailures.get();
    }

    int hung() {
        return hung.get();
    }

    /** The time within which 99 % of the counted requests got their answer (or failed). */
    double p99Ms() {
        return latencyUs.getValueAtPercentile(99) / 1000.0;
    }

    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures.subList(0, Math.min(10, failures.size())));
        }
    }

    @Override
    public String toString() {
        return ok() + " ok, " + newConnectionFailures() + " failed new connections, " + keepAliveFailures()
                + " failed keep-alive requests, " + hung() + " hung; first failures: " + failures();
    }

    private void perRequestLoop() {
        while (running.get()) {
            long start = System.nanoTime();
            try {
                record(Http.get(port, path, timeoutMs).status() == 200, true, "status", start);
            } catch (IOException e) {
                failed(true, e, start);
            }
            pause();
        }
    }

    private void keepAliveLoop() {
        Socket socket = null;
        boolean fresh = false;
        while (running.get()) {
            long start = System.nanoTime();
            try {
                if (socket == null) {
                    socket = new Socket();
                    fresh = true;
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                    socket.setSoTimeout(timeoutMs);
                }
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(socket.getInputStream());
                int length = Integer.parseInt(header(head, "content-length", "0"));
                socket.getInputStream().readNBytes(length);
                record(head.startsWith("HTTP/1.1 200"), fresh, head, start);
                fresh = false;
                if (header(head, "connection", "").equalsIgnoreCase("close")) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException | RuntimeException e) {
                failed(fresh, e, start);
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

    private void failed(boolean newConnection, Exception e, long startNanos) {
        if (e instanceof SocketTimeoutException && running.get()) {
            hung.incrementAndGet();
        }
        record(false, newConnection, (newConnection ? "new connection: " : "keep-alive: ") + e, startNanos);
    }

    private void record(boolean success, boolean newConnection, String why, long startNanos) {
        if (!running.get()) {
            return; // requests cut off by close() itself do not count
        }
        latencyUs.recordValue(Math.max(0, (System.nanoTime() - startNanos) / 1_000));
        if (success) {
            ok.incrementAndGet();
            return;
        }
        (newConnection ? newConnectionFailures : keepAliveFailures).incrementAndGet();
        failures.add(why);
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
            t.join(timeoutMs + 5_000L);
        }
    }
}
