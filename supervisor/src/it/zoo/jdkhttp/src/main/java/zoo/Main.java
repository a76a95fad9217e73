package zoo;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The JDK's own com.sun.net.httpserver, no dependency at all. With ADMIN_PORT set, also a second server on that port,
 * as an app's admin or management port fixed in its configuration (Dropwizard's, Spring Boot's management.server.port).
 */
public class Main {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        // As a framework does, every port is bound before the app serves: one that is taken fails the start.
        String adminPort = System.getenv("ADMIN_PORT");
        HttpServer admin = adminPort == null ? null : HttpServer.create(new InetSocketAddress(Integer.parseInt(adminPort)), 0);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, pid.length);
            exchange.getResponseBody().write(pid);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(1)));
        if (admin != null) {
            admin.createContext("/", exchange -> {
                exchange.sendResponseHeaders(200, pid.length);
                exchange.getResponseBody().write(pid);
                exchange.close();
            });
            admin.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> admin.stop(1)));
        }
    }
}
