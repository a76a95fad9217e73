package dev.cluster.demo;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;

/** What each path answers. Every handler here returns at once: nothing blocks the event loop. */
final class Routes {
    static final long MAX_SLOW_MS = 60_000;
    private final String whoami;
    private final String hello;

    Routes(String app, int workerId, long pid) {
        this.whoami = "{\"app\":\"" + app.replace("\"", "") + "\",\"workerId\":" + workerId + ",\"pid\":" + pid + "}\n";
        this.hello = "hello from " + app + " worker " + workerId + " (pid " + pid + ")\n";
    }

    Reply handle(FullHttpRequest request, boolean draining) {
        String path = new QueryStringDecoder(request.uri()).path();
        return switch (path) {
            case "/" -> Reply.text(HttpResponseStatus.OK, hello);
            // A draining worker tells load balancers to stop sending it traffic.
            case "/health" -> draining
                    ? Reply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"status\":\"draining\"}\n")
                    : Reply.json(HttpResponseStatus.OK, "{\"status\":\"ok\"}\n");
            case "/whoami" -> Reply.json(HttpResponseStatus.OK, whoami);
            case "/slow" -> slow(new QueryStringDecoder(request.uri()));
            default -> Reply.text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n");
        };
    }

    /**
     * A slow backend, simulated the right way: the answer is scheduled on the event loop after
     * {@code ms}, so the loop serves other requests meanwhile. Also what drain tests use as an
     * in-flight request.
     */
    private static Reply slow(QueryStringDecoder query) {
        List<String> values = query.parameters().getOrDefault("ms", List.of("1000"));
        long ms;
        try {
            ms = Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            return Reply.text(HttpResponseStatus.BAD_REQUEST, "ms must be a number of milliseconds\n");
        }
        if (ms < 0 || ms > MAX_SLOW_MS) {
            return Reply.text(HttpResponseStatus.BAD_REQUEST, "ms must be between 0 and " + MAX_SLOW_MS + "\n");
        }
        return new Reply(HttpResponseStatus.OK, "text/plain; charset=utf-8", "waited " + ms + " ms\n", ms);
    }

    /** What to answer; {@code delayMs} later than now when the route simulates a slow backend. */
    record Reply(HttpResponseStatus status, String contentType, String body, long delayMs) {
        static Reply text(HttpResponseStatus status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body, 0);
        }

        static Reply json(HttpResponseStatus status, String body) {
            return new Reply(status, "application/json", body, 0);
        }
    }
}
