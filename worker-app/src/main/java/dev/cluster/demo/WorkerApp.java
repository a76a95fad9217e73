package dev.cluster.demo;

import dev.cluster.library.ClusterWorker;
import dev.cluster.protocol.Env;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.time.Duration;

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
        if (cluster.standby()) {
            Warmup.run(cluster.app(), ProcessHandle.current().pid()); // its first request after taking over comes at once
            loops.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly()); // and finds its loops' threads running
        }
        int[] inherited = cluster.inheritListeners(host); // a standby waits here until it takes over a worker slot
        Routes routes = new Routes(cluster.app(), cluster.workerId(), ProcessHandle.current().pid());
        HttpServer server = HttpServer.start(host, port, inherited, routes, loops);
        cluster.monitor(server.eventLoops());
        cluster.monitor(routes.cpuPool(), "hash");
        cluster.onShutdown(() -> server.drain(drainDeadline));
        System.out.println("worker " + cluster.workerId() + " (pid " + ProcessHandle.current().pid()
                + ") serving http://" + host + ":" + port + " on " + server.transportName()
                + (inherited.length > 0 ? ", " + inherited.length + " listener(s) from the supervisor" : ""));
        cluster.ready();
    }
}
