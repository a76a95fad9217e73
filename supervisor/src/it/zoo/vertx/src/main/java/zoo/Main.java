package zoo;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * Vert.x 4.5 with default options: NIO, or with the argument {@code epoll} its native transport. With ADMIN_PORT set, a
 * second server there once the first listens, as an app's admin port fixed in its configuration.
 */
public class Main {
    public static void main(String[] args) {
        boolean epoll = args.length > 0 && args[0].equals("epoll");
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(epoll));
        if (epoll && !vertx.isNativeTransportEnabled()) {
            throw new IllegalStateException("native transport unavailable: " + vertx.unavailableNativeTransportCause());
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        String pid = ProcessHandle.current().pid() + "\n";
        vertx.createHttpServer()
                .requestHandler(request -> request.response().end(pid))
                .listen(port)
                .toCompletionStage().toCompletableFuture().join();
        String adminPort = System.getenv("ADMIN_PORT");
        if (adminPort != null) {
            vertx.createHttpServer()
                    .requestHandler(request -> request.response().end(pid))
                    .listen(Integer.parseInt(adminPort))
                    .toCompletionStage().toCompletableFuture().join();
        }
    }
}
