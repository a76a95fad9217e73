package dev.cluster.metrics;

import com.sun.net.httpserver.HttpServer;
import dev.cluster.protocol.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code GET /metrics} on 127.0.0.1 only: Prometheus scrapes the host it runs on, and nothing else
 * should. The JDK's HTTP server answers on a thread of its own; the text is rendered on the
 * supervisor's loop, where the state lives.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);
    private final ScheduledExecutorService loop;
    private final Callable<String> render;
    private HttpServer server;

    /** @param render the Prometheus text, run on {@code loop} for each scrape */
    public MetricsEndpoint(ScheduledExecutorService loop, Callable<String> render) {
        this.loop = loop;
        this.render = render;
    }

    /**
     * {@code cluster metrics}: the Prometheus text, or with a port, serve it on 127.0.0.1 (0 stops
     * serving). The endpoint lives as long as the supervisor.
     *
     * @throws IllegalArgumentException a port out of range, or one that cannot be bound: the answer to the user
     */
    public Response request(Integer port) {
        if (port == null) {
            try {
                return Response.ok(render.call());
            } catch (Exception e) {
                throw new IllegalStateException("rendering the metrics failed", e);
            }
        }
        int p = port;
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("the metrics port must be between 1 and 65535, or 0 to stop serving (got '" + port + "')");
        }
        try {
            serve(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serve metrics on 127.0.0.1:" + p + ": " + e.getMessage() + "; choose another port");
        }
        return Response.ok(p == 0 ? "metrics endpoint stopped" : "serving Prometheus metrics on http://127.0.0.1:" + p + "/metrics");
    }

    /**
     * Serves {@code /metrics} on 127.0.0.1:port, replacing the endpoint already running; 0 stops it.
     *
     * @throws IOException when the port cannot be bound (in use, or privileged); the running endpoint then stays
     */
    public void serve(int port) throws IOException {
        HttpServer next = port == 0 ? null : start(port);
        close();
        server = next;
        if (next != null) {
            log.info("serving Prometheus metrics on http://127.0.0.1:{}/metrics", port);
        }
    }

    private HttpServer start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            try (exchange) {
                if (!"/metrics".equals(exchange.getRequestURI().getPath())) {
                    reply(exchange, 404, "text/plain; charset=utf-8", "not found: try /metrics\n");
                    return;
                }
                String body;
                try {
                    body = loop.submit(render).get(5, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    reply(exchange, 503, "text/plain; charset=utf-8", "supervisor busy: " + e + "\n");
                    return;
                }
                reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", body);
            }
        });
        server.start();
        return server;
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }
}
