package dev.cluster.demo;

import dev.cluster.library.ClusterWorker;
import dev.cluster.protocol.Env;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo service: a Netty HTTP/1.1 server on {@code $HOST:$PORT} (default 127.0.0.1:8080). Under a
 * supervisor it serves the listening socket the supervisor hands it; otherwise it binds with
 * SO_REUSEPORT itself, so every worker of the cluster shares the port either way. It tells the
 * supervisor when it is ready and drains gracefully when asked.
 */
public final class WorkerApp {
    private WorkerApp() {
    }

    public static void main(String[] args) throws IOException {
        // Netty's buffer allocators emit JFR events; loading those event classes (which the JVM
        // instruments at load, and no start-up archive can hold) cost every worker's first request
        // ~0.1 s on JDK 25. We record no allocator events: -Dio.netty.jfr.enabled=true restores them.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        int port = Integer.parseInt(System.getenv().getOrDefault(Env.PORT, "8080"));
        // Finish draining a little before the supervisor's SIGKILL would.
        long killTimeout = Long.parseLong(System.getenv().getOrDefault(Env.KILL_TIMEOUT_MS, "5000"));
        Duration drainDeadline = Duration.ofMillis(Math.max(100, killTimeout - 500));

        ClusterWorker cluster = ClusterWorker.fromEnvironment();
        EventLoopGroup loops = HttpServer.loops();
        // All that does not need the socket comes before a standby's wait: after it, its first request is served.
        cluster.monitor(loops);
        AtomicReference<HttpServer> serving = new AtomicReference<>();
        cluster.onShutdown(() -> {
            HttpServer server = serving.get();
            if (server != null) { // else nothing to drain
                server.drain(drainDeadline);
            }
        });
        if (cluster.standby()) {
            Warmup.run(cluster.app(), ProcessHandle.current().pid(), loops); // its first request after taking over comes at once
        }
        int[] inherited = cluster.inheritListeners(host); // a standby waits here until it takes over a worker slot
        Routes routes = new Routes(cluster.app(), cluster.workerId(), ProcessHandle.current().pid());
        HttpServer server = HttpServer.start(host, port, inherited, routes, loops);
        serving.set(server);
        cluster.monitor(routes.cpuPool(), "hash");
        cluster.ready();
        // A StringBuilder, not '+': javac's string concatenation links at its first run, spinning method
        // handles for ~50 ms on this machine, which in a standby that just took over competed with its
        // first requests.
        StringBuilder line = new StringBuilder("worker ").append(cluster.workerId()).append(" (pid ").append(ProcessHandle.current().pid())
                .append(") serving http://").append(host).append(':').append(port).append(" on ").append(server.transportName());
        if (inherited.length > 0) {
            line.append(", ").append(inherited.length).append(" listener(s) from the supervisor");
        }
        System.out.println(line);
    }
}
