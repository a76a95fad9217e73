package dev.cluster.protocol;

import java.util.List;

/** The environment variables the supervisor gives every worker. */
public final class Env {
    public static final String PORT = "PORT";
    /**
     * Every name a worker is given the port under: ours, and the names the frameworks read their server's port from in
     * the environment, above what their packaged configuration says (an app's own system property or argument still
     * wins): {@code SERVER_PORT} for Spring Boot's {@code server.port} (Helidon's too), {@code QUARKUS_HTTP_PORT} for
     * Quarkus's {@code quarkus.http.port}, {@code MICRONAUT_SERVER_PORT} for Micronaut's {@code micronaut.server.port}.
     * So an unmodified app of theirs listens where {@code --port} says, as the supervisor expects it to: one that
     * listens on its framework's default 8080 instead leaves every worker but the first unable to bind.
     */
    public static final List<String> PORT_NAMES = List.of(PORT, "SERVER_PORT", "QUARKUS_HTTP_PORT", "MICRONAUT_SERVER_PORT");
    /**
     * A second port of the app's own ({@code --shared-port}): the agent gives a server's bind of it
     * {@code SO_REUSEPORT}, as it does the app's port, so that every worker can bind it; no handoff.
     */
    public static final String SHARED_PORT = "CLUSTER_SHARED_PORT";
    /**
     * {@code 1} in a training start of the start-up archives: the agent has it take its sockets from the
     * supervisor for the app's port and for its {@code --shared-port} alike, each a loopback port of its
     * own, so it never serves either of the app's real ports.
     */
    public static final String TRAINING = "CLUSTER_TRAINING";
    public static final String WORKER_ID = "CLUSTER_WORKER_ID";
    public static final String INSTANCES = "CLUSTER_INSTANCES";
    public static final String APP = "CLUSTER_APP";
    /** Path of the supervisor's worker socket (Unix domain). */
    public static final String WORKER_SOCKET = "CLUSTER_WORKER_SOCKET";
    /**
     * {@code handoff} (default): a worker using the library takes its listening socket from the
     * supervisor, which keeps it open across restarts and reloads; {@code self}: it binds its own.
     */
    public static final String BIND = "CLUSTER_BIND";
    /** How long the worker has to drain before the supervisor kills it, so it can plan its own deadline. */
    public static final String KILL_TIMEOUT_MS = "CLUSTER_KILL_TIMEOUT_MS";

    /** {@code off} turns the in-worker telemetry off (lag probes, JVM metrics); for measuring its overhead. */
    public static final String TELEMETRY = "CLUSTER_TELEMETRY";
    /** An event loop late by more than this many milliseconds is blocked: its stack is captured and reported. */
    public static final String BLOCK_THRESHOLD_MS = "CLUSTER_BLOCK_THRESHOLD_MS";

    /**
     * The processors this worker's share of the machine holds (with {@code --share on}): what an
     * app sizes its event loops and pools by, instead of every core of the host.
     */
    public static final String PROCESSORS = "CLUSTER_PROCESSORS";

    /**
     * {@code 1} in a standby ({@code --standby N}): a worker started ahead of need, which waits for
     * its listening socket (the library in {@code inheritListeners}, the agent in the app's bind) for
     * as long as it takes, and learns its worker id only then ({@code CLUSTER_WORKER_ID} is -1).
     */
    public static final String STANDBY = "CLUSTER_STANDBY";

    /** {@code 1}: arm this process's death watch ({@link DeathWatch}); given to the workers of apps with standbys. */
    public static final String DEATH_WATCH = "CLUSTER_DEATH_WATCH";

    /** What {@code describe} shows instead of an environment value unless asked with {@code --show-env}. */
    public static final String HIDDEN = "(hidden)";

    private Env() {
    }

    /** The same names, every value {@link #HIDDEN}: an app's environment often holds its secrets. */
    public static java.util.Map<String, String> hidden(java.util.Map<String, String> env) {
        java.util.Map<String, String> names = new java.util.TreeMap<>();
        env.keySet().forEach(name -> names.put(name, HIDDEN));
        return names;
    }
}
