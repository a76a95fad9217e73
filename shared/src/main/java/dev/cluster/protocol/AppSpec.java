package dev.cluster.protocol;

import java.util.List;
import java.util.Map;

/**
 * What to run and how to supervise it: everything {@code cluster start} says about one app.
 * Either {@code jar} (the supervisor builds the java command line) or {@code command} is set.
 * Durations are milliseconds. Paths are absolute: the CLI resolves them against its own directory.
 * {@code bind} is {@link #BIND_HANDOFF} or {@link #BIND_SELF} (see {@link Env#BIND}).
 * {@code agent}: a jar app runs with the telemetry agent. {@code lagThresholdMs}: a worker whose
 * lag p99 is above it is marked. {@code blockThresholdMs}: a loop stalled longer is reported with its stack.
 * {@code maxMemoryBytes} (or null): a worker whose RSS is above it is replaced without downtime.
 * {@code hangTimeoutMs} (or null): a reporting worker silent that long, or with every event loop
 * stalled that long, gets a thread dump in its log and is killed and restarted.
 * {@code logs}: how its output is written and rotated (null in a spec saved before it existed: the defaults).
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
        long listenTimeoutMs,
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
        LogSpec logs) {

    public static final long DEFAULT_LISTEN_TIMEOUT_MS = 15_000;
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

    public AppSpec {
        command = command == null ? List.of() : List.copyOf(command);
        jvmArgs = jvmArgs == null ? List.of() : List.copyOf(jvmArgs);
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        bind = bind == null ? BIND_HANDOFF : bind;
        logs = logs == null ? LogSpec.DEFAULTS : logs;
    }

    public AppSpec withInstances(int n) {
        return new AppSpec(name, jar, command, jvmArgs, args, cwd, n, port, env,
                listenTimeoutMs, killTimeoutMs, restartDelayMs, maxRestarts, minUptimeMs, bind, agent, lagThresholdMs, blockThresholdMs, maxMemoryBytes, hangTimeoutMs, logs);
    }

    public AppSpec withEnv(Map<String, String> newEnv) {
        return new AppSpec(name, jar, command, jvmArgs, args, cwd, instances, port, newEnv,
                listenTimeoutMs, killTimeoutMs, restartDelayMs, maxRestarts, minUptimeMs, bind, agent, lagThresholdMs, blockThresholdMs, maxMemoryBytes, hangTimeoutMs, logs);
    }

    public AppSpec withJvmArgs(List<String> newJvmArgs) {
        return new AppSpec(name, jar, command, newJvmArgs, args, cwd, instances, port, env,
                listenTimeoutMs, killTimeoutMs, restartDelayMs, maxRestarts, minUptimeMs, bind, agent, lagThresholdMs, blockThresholdMs, maxMemoryBytes, hangTimeoutMs, logs);
    }
}
