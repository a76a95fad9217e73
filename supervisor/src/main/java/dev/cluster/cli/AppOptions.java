package dev.cluster.cli;

import dev.cluster.config.AppSpecValidator;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.LogSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code start} and {@code run} accept to describe an app, turned into an {@link AppSpec}. */
final class AppOptions {
    @Parameters(paramLabel = "JAR | COMMAND", arity = "0..*",
            description = "A jar (then its arguments), or after '--' any command and its arguments.")
    List<String> program = List.of();

    @Option(names = {"-i", "--instances"}, paramLabel = "N|max", defaultValue = "1",
            description = "Workers to run: a number, or 'max' for one per core (default: ${DEFAULT-VALUE}).")
    String instances;

    @Option(names = "--name", description = "App name (default: the jar or command's file name).")
    String name;

    @Option(names = "--port", description = "Port every worker serves, given to it as $PORT (default: " + AppSpec.DEFAULT_PORT + ").")
    Integer port;

    @Option(names = "--env", paramLabel = "KEY=VALUE|NAME",
            description = "Environment variable for the workers; repeatable. With an ecosystem file: the NAME of the env-NAME blocks to use.")
    List<String> env = new ArrayList<>();

    @Option(names = "--jvm-args", paramLabel = "\"ARGS\"", description = "JVM options for a jar app, space-separated, e.g. \"-Xmx512m -XX:+UseG1GC\".")
    String jvmArgs;

    @Option(names = "--cwd", description = "Working directory of the workers (default: the current directory).")
    Path cwd;

    @Option(names = "--listen-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "A worker that neither says ready nor listens on the port counts as online after this (default: 15s).")
    Long listenTimeoutMs;

    @Option(names = "--kill-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Time a stopping worker has to drain before SIGKILL (default: 5s).")
    Long killTimeoutMs;

    @Option(names = "--restart-delay", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "First delay before restarting a crashed worker; grows x1.5 per restart up to 15s (default: 100ms).")
    Long restartDelayMs;

    @Option(names = "--max-restarts", paramLabel = "N",
            description = "Unstable restarts in a row before the worker is errored (default: " + AppSpec.DEFAULT_MAX_RESTARTS + ").")
    Integer maxRestarts;

    @Option(names = "--min-uptime", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "A run shorter than this counts as an unstable restart (default: 1s).")
    Long minUptimeMs;

    @Option(names = "--bind", paramLabel = "handoff|self",
            description = "handoff (default): workers using the cluster library take their listening socket from the supervisor, "
                    + "which keeps it open across crashes and reloads; self: they bind their own.")
    String bind;

    @Option(names = "--no-agent", negatable = false,
            description = "Do not add the telemetry agent to a jar app (it reports JVM lag, heap and GC with no code change).")
    boolean noAgent;

    @Option(names = "--lag-threshold", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Mark a worker whose event-loop lag p99 over the last 10 s is above this (default: 10ms).")
    Long lagThresholdMs;

    @Option(names = "--block-threshold", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "An event loop stalled longer than this is reported with its thread's stack (default: 100ms).")
    Long blockThresholdMs;

    @Option(names = "--max-memory-restart", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Replace a worker (zero-downtime, as a reload) whose resident memory is above this, e.g. 512M or 2G. Checked every second.")
    Long maxMemoryBytes;

    @Option(names = "--hang-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "A worker that reports (library or agent) but has sent nothing for this long, or whose every event loop "
                    + "has been stuck this long, gets a thread dump in its out log and is killed and restarted, e.g. 30s.")
    Long hangTimeoutMs;

    @Option(names = "--log-max-size", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Rotate a log file before a line would take it past this size; 0 never (default: 10M).")
    Long logMaxBytes;

    @Option(names = "--log-daily", negatable = false, description = "Also rotate the log files at local midnight.")
    boolean logDaily;

    @Option(names = "--log-keep", paramLabel = "N", description = "Rotated files kept per log file (default: " + LogSpec.DEFAULT_KEEP + ").")
    Integer logKeep;

    @Option(names = "--log-compress", negatable = false, description = "Gzip rotated log files.")
    boolean logCompress;

    @Option(names = "--log-date-format", paramLabel = "PATTERN",
            description = "Start each line with the time it was written, e.g. \"yyyy-MM-dd HH:mm:ss.SSS\" (java.time pattern).")
    String logDateFormat;

    @Option(names = "--merge-logs", negatable = false, description = "All workers of the app write one out and one err file (<app>-all-out.log).")
    boolean mergeLogs;

    @Option(names = "--log-type", paramLabel = "text|json",
            description = "text (default): lines as written; json: one object per line with time, app, id, stream and message.")
    String logType;

    boolean hasProgram() {
        return !program.isEmpty();
    }

    AppSpec toSpec() {
        Path dir = (cwd == null ? Path.of("") : cwd).toAbsolutePath().normalize();
        String first = program.get(0);
        boolean isJar = first.endsWith(".jar");
        String jar = isJar ? dir.resolve(first).normalize().toString() : null;
        List<String> command = isJar ? List.of() : List.of(first);
        List<String> args = program.subList(1, program.size());
        String appName = name != null ? name : AppSpecValidator.nameFrom(Path.of(first).getFileName().toString());
        List<String> jvm = jvmArgs == null ? List.of() : splitJvmArgs(jvmArgs);
        return new AppSpec(appName, jar, command, jvm, args, dir.toString(), parseInstances(instances),
                port != null ? port : AppSpec.DEFAULT_PORT, variables(),
                orDefault(listenTimeoutMs, AppSpec.DEFAULT_LISTEN_TIMEOUT_MS),
                orDefault(killTimeoutMs, AppSpec.DEFAULT_KILL_TIMEOUT_MS),
                orDefault(restartDelayMs, AppSpec.DEFAULT_RESTART_DELAY_MS),
                maxRestarts != null ? maxRestarts : AppSpec.DEFAULT_MAX_RESTARTS,
                orDefault(minUptimeMs, AppSpec.DEFAULT_MIN_UPTIME_MS), bind, !noAgent,
                orDefault(lagThresholdMs, AppSpec.DEFAULT_LAG_THRESHOLD_MS),
                orDefault(blockThresholdMs, AppSpec.DEFAULT_BLOCK_THRESHOLD_MS), maxMemoryBytes, hangTimeoutMs,
                new LogSpec(orDefault(logMaxBytes, LogSpec.DEFAULT_MAX_BYTES), logDaily, logKeep != null ? logKeep : LogSpec.DEFAULT_KEEP,
                        logCompress, logDateFormat, mergeLogs, logType));
    }

    /** The --env values as variables: each must be KEY=VALUE. */
    Map<String, String> variables() {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String value : env) {
            int eq = value.indexOf('=');
            if (eq < 1) {
                throw new UserError("--env takes KEY=VALUE (got '" + value + "'); a bare name selects the env-NAME blocks of an ecosystem file");
            }
            variables.put(value.substring(0, eq), value.substring(eq + 1));
        }
        return variables;
    }

    /** The --env value of an ecosystem file start: one environment name, or null. */
    String environment() {
        if (env.size() > 1 || env.stream().anyMatch(v -> v.contains("="))) {
            throw new UserError("with an ecosystem file, --env takes one environment name (its variables go in the file's env blocks), got " + env);
        }
        return env.isEmpty() ? null : env.get(0);
    }

    static List<String> splitJvmArgs(String value) {
        return value.isBlank() ? List.of() : Arrays.asList(value.trim().split("\\s+"));
    }

    static int parseInstances(String value) {
        if ("max".equals(value)) {
            return Runtime.getRuntime().availableProcessors();
        }
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UserError("-i takes a number of workers or 'max' (got '" + value + "')");
        }
        if (n < 1 || n > AppSpecValidator.MAX_INSTANCES) {
            throw new UserError("-i must be between 1 and " + AppSpecValidator.MAX_INSTANCES + ", or 'max' (got " + n + ")");
        }
        return n;
    }

    private static long orDefault(Long value, long fallback) {
        return value != null ? value : fallback;
    }
}
