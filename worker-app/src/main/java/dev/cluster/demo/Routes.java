package dev.cluster.demo;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/** What each path answers. Every handler here returns at once: nothing blocks the event loop. */
final class Routes {
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
            default -> Reply.text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n");
        };
    }

    record Reply(HttpResponseStatus status, String contentType, String body) {
        static Reply text(HttpResponseStatus status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body);
        }

        static Reply json(HttpResponseStatus status, String body) {
            return new Reply(status, "application/json", body);
        }
    }
}
