package dev.cluster.protocol;

import java.util.List;
import java.util.Map;

/**
 * What to run and how to supervise it: everything {@code cluster start} says about one app.
 * Either {@code jar} (the supervisor builds the java command line) or {@code command} is set.
 * Durations are milliseconds; {@code listenTimeoutMs} null is "auto" (learnt from the app's starts). Paths are absolute: the CLI resolves them against its own directory.
 * {@code bind} is {@link #BIND_HANDOFF} or {@link #BIND_SELF} (see {@link Env#BIND}).
 * {@code agent}: a jar app runs with the telemetry agent. {@code lagThresholdMs}: a worker whose
 * lag p99 is above it is marked. {@code blockThresholdMs}: a loop stalled longer is reported with its stack.
 * {@code maxMemoryBytes} (or null): a worker whose RSS is above it is replaced without downtime.
 * {@code hangTimeoutMs} (or null): a reporting worker silent that long, or with every event loop
 * stalled that long, gets a thread dump in its log and is killed and restarted.
 * {@code logs}: how its output is written and rotated (null in a spec saved before it existed: the defaults).
 * {@code share}: {@link #ON} (each worker JVM sized for its share of the machine) or {@link #OFF}.
 * {@code startCache}: {@link #ON} (a jar app's workers start from a start-up archive) or {@link #OFF}.
 * {@code standby}: workers started ahead of need, waiting to take over a slot (not counted in {@code instances}).
 * {@code java} (or null: the supervisor's own): the java executable a jar app's workers run on.
 * {@code autorestart}: {@link #ON} (a worker that exits on its own is started again) or {@link #OFF}
 * (it is left stopped; null in a spec saved before it existed: on).
 * {@code sharedPort} (or 0): a second port of the app's own (a management or admin port fixed in its
 * configuration) that the agent shares among the workers as it does {@code port}, without handoff.
 */
public record AppSpec(
        String name,
        String jar,
        List<String> command,
        List<String> jvmArgs,
        List<String> args,
        String cwd,
        int instances,
        int port,
        Map<String, String> env,
        Long listenTimeoutMs,
        long killTimeoutMs,
        long restartDelayMs,
        int maxRestarts,
        long minUptimeMs,
        String bind,
        boolean agent,
        long lagThresholdMs,
        long blockThresholdMs,
        Long maxMemoryBytes,
        Long hangTimeoutMs,
        LogSpec logs,
        String share,
        String java,
        String startCache,
        int standby,
        String autorestart,
        int sharedPort) {

    public static final long DEFAULT_KILL_TIMEOUT_MS = 5_000;
    public static final long DEFAULT_RESTART_DELAY_MS = 100;
    /** PM2's defaults: 16 restarts, each of a run shorter than 1 s, make a crash loop. */
    public static final int DEFAULT_MAX_RESTARTS = 16;
    public static final long DEFAULT_MIN_UPTIME_MS = 1_000;
    public static final int DEFAULT_PORT = 8080;
    public static final String BIND_HANDOFF = "handoff";
    public static final String BIND_SELF = "self";
    /** Node's guidance for "blocking code exists": a p99 event-loop delay above 10 ms. */
    public static final long DEFAULT_LAG_THRESHOLD_MS = 10;
    public static final long DEFAULT_BLOCK_THRESHOLD_MS = 100;
    public static final String ON = "on";
    public static final String OFF = "off";

    public AppSpec {
        command = command == null ? List.of() : List.copyOf(command);
        jvmArgs = jvmArgs == null ? List.of() : List.copyOf(jvmArgs);
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        bind = bind == null ? BIND_HANDOFF : bind;
        logs = logs == null ? LogSpec.DEFAULTS : logs;
        share = share == null ? ON : share;
        startCache = startCache == null ? ON : startCache;
        autorestart = autorestart == null ? ON : autorestart;
    }

    /** Whether each worker gets its share of the machine's processors and memory. */
    public boolean shared() {
        return ON.equals(share);
    }

    /** {@code --listen-timeout 0}: the app serves no port (a queue consumer, a job), so its workers are online at once. */
    public boolean servesNoPort() {
        return Long.valueOf(0).equals(listenTimeoutMs);
    }

    /** Whether a worker that exits on its own (not stopped, not replaced) is started again. */
    public boolean restartsOnExit() {
        return ON.equals(autorestart);
    }

    public AppSpec withInstances(int n) {
        return toBuilder().instances(n).build();
    }

    public AppSpec withEnv(Map<String, String> newEnv) {
        return toBuilder().env(newEnv).build();
    }

    public AppSpec withJvmArgs(List<String> newJvmArgs) {
        return toBuilder().jvmArgs(newJvmArgs).build();
    }

    /** A spec with every option at its default: set a name, a cwd, and a jar or a command. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.jar = jar;
        b.command = command;
        b.jvmArgs = jvmArgs;
        b.args = args;
        b.cwd = cwd;
        b.instances = instances;
        b.port = port;
        b.env = env;
        b.listenTimeoutMs = listenTimeoutMs;
        b.killTimeoutMs = killTimeoutMs;
        b.restartDelayMs = restartDelayMs;
        b.maxRestarts = maxRestarts;
        b.minUptimeMs = minUptimeMs;
        b.bind = bind;
        b.agent = agent;
        b.lagThresholdMs = lagThresholdMs;
        b.blockThresholdMs = blockThresholdMs;
        b.maxMemoryBytes = maxMemoryBytes;
        b.hangTimeoutMs = hangTimeoutMs;
        b.logs = logs;
        b.share = share;
        b.java = java;
        b.startCache = startCache;
        b.standby = standby;
        b.autorestart = autorestart;
        b.sharedPort = sharedPort;
        return b;
    }

    /** Builds a spec; what is not set keeps its default. */
    public static final class Builder {
        private String name;
        private String jar;
        private List<String> command = List.of();
        private List<String> jvmArgs = List.of();
        private List<String> args = List.of();
        private String cwd;
        private int instances = 1;
        private int port = DEFAULT_PORT;
        private Map<String, String> env = Map.of();
        private Long listenTimeoutMs;
        private long killTimeoutMs = DEFAULT_KILL_TIMEOUT_MS;
        private long restartDelayMs = DEFAULT_RESTART_DELAY_MS;
        private int maxRestarts = DEFAULT_MAX_RESTARTS;
        private long minUptimeMs = DEFAULT_MIN_UPTIME_MS;
        private String bind = BIND_HANDOFF;
        private boolean agent = true;
        private long lagThresholdMs = DEFAULT_LAG_THRESHOLD_MS;
        private long blockThresholdMs = DEFAULT_BLOCK_THRESHOLD_MS;
        private Long maxMemoryBytes;
        private Long hangTimeoutMs;
        private LogSpec logs = LogSpec.DEFAULTS;
        private String share = ON;
        private String java;
        private String startCache = ON;
        private int standby;
        private String autorestart = ON;
        private int sharedPort;

        private Builder() {
        }

        public Builder autorestart(String v) {
            autorestart = v;
            return this;
        }

        public Builder sharedPort(int v) {
            sharedPort = v;
            return this;
        }

        public Builder standby(int v) {
            standby = v;
            return this;
        }

        public Builder startCache(String v) {
            startCache = v;
            return this;
        }

        public Builder share(String v) {
            share = v;
            return this;
        }

        public Builder java(String v) {
            java = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder jar(String v) {
            jar = v;
            return this;
        }

        public Builder command(List<String> v) {
            command = v;
            return this;
        }

        public Builder jvmArgs(List<String> v) {
            jvmArgs = v;
            return this;
        }

        public Builder args(List<String> v) {
            args = v;
            return this;
        }

        public Builder cwd(String v) {
            cwd = v;
            return this;
        }

        public Builder instances(int v) {
            instances = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder env(Map<String, String> v) {
            env = v;
            return this;
        }

        public Builder listenTimeoutMs(Long v) {
            listenTimeoutMs = v;
            return this;
        }

        public Builder killTimeoutMs(long v) {
            killTimeoutMs = v;
            return this;
        }

        public Builder restartDelayMs(long v) {
            restartDelayMs = v;
            return this;
        }

        public Builder maxRestarts(int v) {
            maxRestarts = v;
            return this;
        }

        public Builder minUptimeMs(long v) {
            minUptimeMs = v;
            return this;
        }

        public Builder bind(String v) {
            bind = v;
            return this;
        }

        public Builder agent(boolean v) {
            agent = v;
            return this;
        }

        public Builder lagThresholdMs(long v) {
            lagThresholdMs = v;
            return this;
        }

        public Builder blockThresholdMs(long v) {
            blockThresholdMs = v;
            return this;
        }

        public Builder maxMemoryBytes(Long v) {
            maxMemoryBytes = v;
            return this;
        }

        public Builder hangTimeoutMs(Long v) {
            hangTimeoutMs = v;
            return this;
        }

        public Builder logs(LogSpec v) {
            logs = v;
            return this;
        }

        /** Changes one of the log settings, keeping the others. */
        public Builder logs(java.util.function.UnaryOperator<LogSpec> change) {
            logs = change.apply(logs);
            return this;
        }

        public AppSpec build() {
            return new AppSpec(name, jar, command, jvmArgs, args, cwd, instances, port, env, listenTimeoutMs, killTimeoutMs,
                    restartDelayMs, maxRestarts, minUptimeMs, bind, agent, lagThresholdMs, blockThresholdMs, maxMemoryBytes, hangTimeoutMs, logs,
                    share, java, startCache, standby, autorestart, sharedPort);
        }
    }
}
