package dev.cluster.demo;

import dev.cluster.library.ClusterWorker;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What each path answers. The good routes never block the event loop: slow work is scheduled on
 * it ({@code /slow}, {@code /fanout}) or handed to a bounded pool ({@code /hash}). The bad ones do
 * on purpose ({@code /block}, {@code /hash-blocking}), so the supervisor's lag figures and
 * blocked-loop reports have something to show.
 */
final class Routes {
    static final long MAX_SLOW_MS = 60_000;
    /** PBKDF2 rounds of one /hash: ~20-60 ms of CPU, a realistic password hash. */
    static final int HASH_ITERATIONS = 100_000;
    static final int MAX_REGEX_INPUT = 256;
    /** Simulated backend latencies for /fanout. */
    static final long[] BACKEND_MS = {30, 40, 50};
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");

    private final String whoami;
    private final String hello;
    private final String identity;
    /**
     * CPU-heavy work runs here, never on an event loop: one thread per processor of this worker's
     * share of the machine, and a bounded queue so
     * a flood of hashes is refused (503) rather than queued without end.
     */
    private final ThreadPoolExecutor cpuPool;
    /** What /leak keeps: never released, on purpose. */
    private final List<byte[]> leaked = new ArrayList<>();

    Routes(String app, int workerId, long pid) {
        this.identity = "worker " + workerId + " (pid " + pid + ")";
        this.whoami = "{\"app\":\"" + app.replace("\"", "") + "\",\"workerId\":" + workerId + ",\"pid\":" + pid + "}\n";
        this.hello = "hello from " + app + " " + identity + "\n";
        int threads = ClusterWorker.processors();
        this.cpuPool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(256),
                r -> {
                    Thread t = new Thread(r, "cpu-pool");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** The reply, now or later; {@code loop} is the request's event loop. */
    CompletableFuture<Reply> handle(FullHttpRequest request, boolean draining, EventExecutor loop) {
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        String path = query.path();
        return switch (path) {
            case "/" -> done(Reply.text(HttpResponseStatus.OK, hello));
            // A draining worker tells load balancers to stop sending it traffic.
            case "/health" -> done(draining
                    ? Reply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"status\":\"draining\"}\n")
                    : Reply.json(HttpResponseStatus.OK, "{\"status\":\"ok\"}\n"));
            case "/whoami" -> done(Reply.json(HttpResponseStatus.OK, whoami));
            case "/slow" -> slow(query, loop);
            case "/block" -> block(query);
            case "/hash" -> hashOffLoop(query);
            case "/hash-blocking" -> hashOnLoop(query);
            case "/fanout" -> fanout(query, loop);
            case "/regex" -> regex(query);
            case "/leak" -> leak(query);
            // A POST is answered by SumUpload as its body streams in, before any of it is aggregated.
            case "/sum" -> done(Reply.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "POST a JSON array of numbers: curl --data-binary @numbers.json http://HOST:PORT/sum\n"));
            default -> done(Reply.text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n"));
        };
    }

    /**
     * A slow backend, simulated the right way: the answer is scheduled on the event loop after
     * {@code ms}, so the loop serves other requests meanwhile. Also what drain tests use as an
     * in-flight request.
     */
    private static CompletableFuture<Reply> slow(QueryStringDecoder query, EventExecutor loop) {
        long ms;
        try {
            ms = millis(query, "1000");
        } catch (IllegalArgumentException e) {
            return done(Reply.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n"));
        }
        return later(loop, ms, Reply.text(HttpResponseStatus.OK, "waited " + ms + " ms\n"));
    }

    /** Bad on purpose: holds the event loop for {@code ms}, so every connection on it waits. */
    private CompletableFuture<Reply> block(QueryStringDecoder query) {
        long ms;
        try {
            ms = millis(query, "100");
        } catch (IllegalArgumentException e) {
            return done(Reply.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n"));
        }
        blockTheEventLoop(ms);
        return done(Reply.text(HttpResponseStatus.OK, "blocked the event loop of " + identity + " for " + ms + " ms\n"));
    }

    /** Busy-waits: the worst thing a handler can do, and what blocked-loop reports point at. */
    static void blockTheEventLoop(long ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    /** The pool CPU-heavy work runs in: the supervisor shows how busy it is and what waits for it. */
    ThreadPoolExecutor cpuPool() {
        return cpuPool;
    }

    /**
     * Bad on purpose: keeps {@code kb} KB (at most 1024) per request for good, a leak for the
     * supervisor's memory trend to catch. The worker's loops share the list, hence the lock.
     */
    private CompletableFuture<Reply> leak(QueryStringDecoder query) {
        int kb;
        try {
            kb = Integer.parseInt(param(query, "kb", "10"));
        } catch (NumberFormatException e) {
            return done(Reply.text(HttpResponseStatus.BAD_REQUEST, "kb must be a whole number\n"));
        }
        if (kb < 0 || kb > 1024) {
            return done(Reply.text(HttpResponseStatus.BAD_REQUEST, "kb must be between 0 and 1024\n"));
        }
        synchronized (leaked) {
            leaked.add(new byte[kb * 1024]);
            return done(Reply.text(HttpResponseStatus.OK, "leaked " + kb + " KB, " + leaked.size() + " requests kept\n"));
        }
    }

    /** Good: the hash runs on the CPU pool and the loop is free meanwhile. */
    private CompletableFuture<Reply> hashOffLoop(QueryStringDecoder query) {
        String password = param(query, "password", "secret");
        try {
            return CompletableFuture.supplyAsync(() -> Reply.text(HttpResponseStatus.OK, hash(password) + "\n"), cpuPool);
        } catch (RejectedExecutionException e) {
            return done(Reply.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many hashes queued; retry later\n"));
        }
    }

    /** Bad on purpose: the same hash on the event loop, so every connection of this loop waits for it. */
    private static CompletableFuture<Reply> hashOnLoop(QueryStringDecoder query) {
        return done(Reply.text(HttpResponseStatus.OK, hash(param(query, "password", "secret")) + "\n"));
    }

    static String hash(String password) {
        try {
            SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            byte[] key = pbkdf2.generateSecret(new PBEKeySpec(password.toCharArray(), "cluster-demo-salt".getBytes(), HASH_ITERATIONS, 256)).getEncoded();
            return HexFormat.of().formatHex(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * Three backend calls. Good: all three at once, so the answer takes as long as the slowest.
     * With {@code ?serial=1}, each awaits the previous: as long as all three together.
     */
    private static CompletableFuture<Reply> fanout(QueryStringDecoder query, EventExecutor loop) {
        long start = System.nanoTime();
        boolean serial = "1".equals(param(query, "serial", "0"));
        CompletableFuture<Long> total;
        if (serial) {
            total = CompletableFuture.completedFuture(0L);
            for (long ms : BACKEND_MS) {
                total = total.thenCompose(sum -> later(loop, ms, ms).thenApply(v -> sum + v));
            }
        } else {
            CompletableFuture<?>[] calls = new CompletableFuture<?>[BACKEND_MS.length];
            for (int i = 0; i < calls.length; i++) {
                calls[i] = later(loop, BACKEND_MS[i], BACKEND_MS[i]);
            }
            total = CompletableFuture.allOf(calls).thenApply(v -> 0L);
        }
        return total.thenApply(v -> Reply.text(HttpResponseStatus.OK, (serial ? "serial" : "parallel") + " fan-out of "
                + BACKEND_MS.length + " backend calls took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms\n"));
    }

    /** Input is bounded before the regex sees it: a matcher's cost grows with its input, so an unbounded one is a stall waiting to happen. */
    private static CompletableFuture<Reply> regex(QueryStringDecoder query) {
        String input = param(query, "input", "");
        if (input.length() > MAX_REGEX_INPUT) {
            return done(Reply.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "input longer than " + MAX_REGEX_INPUT + " characters\n"));
        }
        return done(Reply.json(HttpResponseStatus.OK, "{\"email\":" + EMAIL.matcher(input).matches() + "}\n"));
    }

    private static long millis(QueryStringDecoder query, String fallback) {
        long ms;
        try {
            ms = Long.parseLong(param(query, "ms", fallback));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ms must be a number of milliseconds");
        }
        if (ms < 0 || ms > MAX_SLOW_MS) {
            throw new IllegalArgumentException("ms must be between 0 and " + MAX_SLOW_MS);
        }
        return ms;
    }

    static String param(QueryStringDecoder query, String name, String fallback) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    private static <T> CompletableFuture<T> later(EventExecutor loop, long ms, T value) {
        CompletableFuture<T> future = new CompletableFuture<>();
        loop.schedule(() -> future.complete(value), ms, TimeUnit.MILLISECONDS);
        return future;
    }

    private static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    /** What to answer. */
    record Reply(HttpResponseStatus status, String contentType, String body) {
        static Reply text(HttpResponseStatus status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body);
        }

        static Reply json(HttpResponseStatus status, String body) {
            return new Reply(status, "application/json", body);
        }
    }
}
