package dev.cluster.config;

import dev.cluster.config.StartOption.Kind;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.LogSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Every option of an app, each declared once: {@code cluster start} and {@code cluster run} build
 * their options from these, the ecosystem file reader its keys, and tests check the JSON Schema
 * ({@code cluster.schema.json}) and README's option table against them.
 */
public final class StartOptions {
    private static final long HOUR_MS = 3_600_000;
    private static final long DAY_MS = 24 * HOUR_MS;
    private static final long TERABYTE = 1L << 40;

    public static final List<StartOption> ALL = List.of(
            declare("instances", Kind.INSTANCES).cli("-i", "--instances").range(1, AppSpecValidator.MAX_INSTANCES)
                    .describe("1", "Number of workers; `max` = one per core.")
                    .sets((b, v) -> b.instances(((Long) v).intValue()), s -> (long) s.instances()),
            special("name", "--name", "file name of the jar or command",
                    "Up to 64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit."),
            special("jar", null, "", "A jar file: the supervisor builds the java command line (on the CLI: `cluster start JAR`)."),
            special("command", null, "", "Any program with its arguments (on the CLI: after `--`)."),
            special("args", null, "", "The app's own arguments (on the CLI: after the jar)."),
            declare("standby", Kind.NUMBER).range(0, 64).describe("0", "Workers started ahead of need, not counted in `-i` and serving nothing (`standby` in `list`): each waits just before it would serve (the library in `inheritListeners`, the agent in the app's bind of its port). When a worker that had served dies, or `scale`/`restart` needs one, a standby takes over its slot's socket and serves within milliseconds instead of a JVM's start; another starts behind it. A reload replaces them with standbys of the new version after it. One that exits before it is ready to take over is started again after a back-off, as a crashing worker is, and after `--max-restarts` such exits in a row the app keeps none until it is started or reloaded again. Each costs a started JVM's memory (its RSS is in `list`). Needs `--bind handoff`.")
                    .sets((b, v) -> b.standby(((Long) v).intValue()), s -> (long) s.standby()),
            declare("port", Kind.NUMBER).range(1, 65535).describe(Integer.toString(AppSpec.DEFAULT_PORT),
                    "Given to every worker as `$PORT`; checked before anything starts (another app of ours on it, or any other process "
                            + "listening on it, is an error: one without `SO_REUSEPORT` would make every worker fail to bind, one with it would "
                            + "get a share of the connections).")
                    .sets((b, v) -> b.port(((Long) v).intValue()), s -> (long) s.port()),
            declare("shared-port", Kind.NUMBER).range(0, 65535).describe("none",
                    "A second port of the app's own, fixed in its configuration (Spring Boot's `management.server.port`, Dropwizard's "
                            + "admin port): the agent shares it among the workers with `SO_REUSEPORT` as it does `--port`, so `-i` above 1 "
                            + "can start, and any worker answers there (health checks; not a per-worker metrics scrape). No listener "
                            + "handoff: connections queued on a worker's socket of it when that socket closes may be reset, unless "
                            + "`net.ipv4.tcp_migrate_req` is 1. Needs the agent; checked before anything starts, as `--port` is. `0`: none.")
                    .sets((b, v) -> b.sharedPort(((Long) v).intValue()), s -> (long) s.sharedPort()),
            special("env", "--env", "",
                    "Extra environment for the workers, `KEY=VALUE`; repeatable (in a file: a map, and `env-NAME` maps picked with `--env NAME`)."),
            declare("jvm-args", Kind.WORDS).cli("--jvm-args").describe("",
                    "JVM options for a jar app, split on spaces, e.g. `--jvm-args \"-Xmx512m -XX:+UseG1GC\"`.")
                    .sets((b, v) -> b.jvmArgs(words(v)), AppSpec::jvmArgs),
            declare("java", Kind.TEXT).describe("the supervisor's",
                    "The java a jar app's workers run on: the path of a `java` executable or of a JDK's home, relative to the app's "
                            + "directory as the jar is (several JDKs side by side; a newer one brings its start-up cache). The agent needs Java 17 "
                            + "or later.")
                    .sets((b, v) -> b.java((String) v), AppSpec::java),
            declare("share", Kind.CHOICE).choices(AppSpec.ON, AppSpec.OFF).describe(AppSpec.ON,
                    "`on`: each worker JVM is sized for its share of the machine: `-XX:ActiveProcessorCount` of the cores divided among the "
                            + "app's workers (at least 1), `-XX:MaxRAMPercentage` of 25 % divided likewise, unless `--jvm-args` set them; any app "
                            + "gets the count as `CLUSTER_PROCESSORS`. `off`: each JVM sizes itself for the whole machine.")
                    .sets((b, v) -> b.share((String) v), AppSpec::share),
            declare("start-cache", Kind.CHOICE).choices(AppSpec.ON, AppSpec.OFF).describe(AppSpec.ON,
                    "`on`: a jar app's workers start from a start-up archive of their JVM's classes (AppCDS on JDK 17-24, the AOT cache "
                            + "from JDK 25), one per version of the app, made by a training start the supervisor runs on its own (see "
                            + "Architecture). Needs the agent. `off`: every start is a cold one.")
                    .sets((b, v) -> b.startCache((String) v), AppSpec::startCache),
            special("cwd", "--cwd", "current directory",
                    "Working directory of the workers; relative jar paths resolve against it (in a file: against the file's directory)."),
            duration("listen-timeout", "auto", 0, HOUR_MS, null,
                    "How long a starting worker may take to say `ready` or listen on the port. `auto`: 5 x the slowest of the app's last "
                            + "5 starts, at least 10 s (15 s before its first start). A worker that is not a replacement counts as online "
                            + "after it (`0` = online at once, for workers that serve no port); a reload's replacement not ready by then is "
                            + "abandoned, and the message says what was waited for.",
                    (b, v) -> b.listenTimeoutMs(v), AppSpec::listenTimeoutMs),
            duration("kill-timeout", "5s", 0, HOUR_MS, null, "Time a stopping worker has to drain before SIGKILL.",
                    (b, v) -> b.killTimeoutMs(v), AppSpec::killTimeoutMs),
            duration("restart-delay", "100ms", 0, HOUR_MS, null,
                    "Delay before restarting a worker that crashed without having served (never ready, or dead within `--min-uptime`); ×1.5 per such restart, capped at 15 s. A worker that had served is restarted at once, and the delay starts afresh.",
                    (b, v) -> b.restartDelayMs(v), AppSpec::restartDelayMs),
            declare("autorestart", Kind.CHOICE).choices(AppSpec.ON, AppSpec.OFF).describe(AppSpec.ON,
                    "`off`: a worker that exits on its own, whatever its exit code, is left `stopped` (with its exit in `describe`) "
                            + "instead of being restarted, for jobs that run once and for looking at a crash as it was; `cluster restart` "
                            + "starts it again. A `--hang-timeout` kill is such an exit. Stop, reload and `--max-memory-restart` work as "
                            + "always. Not with `--standby`.")
                    .sets((b, v) -> b.autorestart((String) v), AppSpec::autorestart),
            declare("max-restarts", Kind.NUMBER).range(0, 1_000_000).describe(Integer.toString(AppSpec.DEFAULT_MAX_RESTARTS),
                    "Restarts in a row of runs shorter than `--min-uptime` before the worker is `errored` (a crash loop; PM2's rule).")
                    .sets((b, v) -> b.maxRestarts(((Long) v).intValue()), s -> (long) s.maxRestarts()),
            duration("min-uptime", "1s", 0, HOUR_MS, null, "A run shorter than this is unstable.",
                    (b, v) -> b.minUptimeMs(v), AppSpec::minUptimeMs),
            declare("agent", Kind.FLAG).cli("--no-agent").describe("agent on",
                    "Start a jar app without the agent (`-javaagent`: telemetry, port sharing and listener handoff). Library apps still report.")
                    .sets((b, v) -> b.agent((Boolean) v), AppSpec::agent),
            duration("lag-threshold", "10ms", 1, HOUR_MS, null,
                    "A worker whose lag p99 over the last 10 s is above this is marked in `list` (Node's figure for \"blocking code exists\").",
                    (b, v) -> b.lagThresholdMs(v), AppSpec::lagThresholdMs),
            duration("block-threshold", "100ms", 10, HOUR_MS, "the lag probes' resolution",
                    "An event loop that has not run its tasks for this long is stalled: the worker catches its thread's stack and reports "
                            + "the stall when it ends.",
                    (b, v) -> b.blockThresholdMs(v), AppSpec::blockThresholdMs),
            declare("max-memory-restart", Kind.SIZE).range(32L << 20, TERABYTE)
                    .minReason("below a JVM's own footprint every worker would be replaced at once and again")
                    .describe("off", "A worker whose resident memory (RSS, sampled every second) is above this (`512M`, `2G`; binary units) "
                            + "is replaced as a reload replaces it: the new worker ready, then the old one drains; one worker of an app at a time. "
                            + "An app that cannot show it is ready (never listens) is restarted instead.")
                    .sets((b, v) -> b.maxMemoryBytes((Long) v), AppSpec::maxMemoryBytes),
            duration("hang-timeout", "off", 2_000, DAY_MS, "workers report once a second",
                    "For workers that report (the library or the agent): one that has sent nothing for this long, or whose every event loop "
                            + "has been stuck this long, gets SIGQUIT (a JVM writes its thread dump to its out log), then SIGKILL, and is "
                            + "restarted like any crash.",
                    (b, v) -> b.hangTimeoutMs(v), AppSpec::hangTimeoutMs),
            declare("log-max-size", Kind.SIZE).range(4L << 10, TERABYTE).zeroAllowed().minReason("above any one line")
                    .describe("10M", "Rotate a log file before a line would take it past this size (`0`: never by size).")
                    .sets((b, v) -> b.logs(l -> l.withMaxBytes((Long) v)), s -> s.logs().maxBytes()),
            declare("log-daily", Kind.FLAG).describe("off", "Also rotate every non-empty log file of the app at local midnight.")
                    .sets((b, v) -> b.logs(l -> l.withDaily((Boolean) v)), s -> s.logs().daily()),
            declare("log-keep", Kind.NUMBER).range(0, LogSpec.MAX_KEEP).describe(Integer.toString(LogSpec.DEFAULT_KEEP),
                    "Rotated files kept per log file; older ones are deleted (`0`: none kept).")
                    .sets((b, v) -> b.logs(l -> l.withKeep(((Long) v).intValue())), s -> (long) s.logs().keep()),
            declare("log-compress", Kind.FLAG).describe("off", "Gzip rotated files (on a thread of their own).")
                    .sets((b, v) -> b.logs(l -> l.withCompress((Boolean) v)), s -> s.logs().compress()),
            declare("log-date-format", Kind.TEXT).describe("off",
                    "Start each line with the time the supervisor read it, in a `java.time` pattern, e.g. `\"yyyy-MM-dd HH:mm:ss.SSS\"`.")
                    .sets((b, v) -> b.logs(l -> l.withDateFormat((String) v)), s -> s.logs().dateFormat()),
            declare("merge-logs", Kind.FLAG).describe("off",
                    "All workers of the app write one pair of files, `<app>-all-out.log` and `<app>-all-err.log`, whole lines interleaved.")
                    .sets((b, v) -> b.logs(l -> l.withMerge((Boolean) v)), s -> s.logs().merge()),
            declare("log-type", Kind.CHOICE).choices(LogSpec.TEXT, LogSpec.JSON).describe(LogSpec.TEXT,
                    "`json`: one object per line, `{\"time\",\"app\",\"id\",\"stream\",\"message\"}`, for log shippers.")
                    .sets((b, v) -> b.logs(l -> l.withType((String) v)), s -> s.logs().type()),
            declare("bind", Kind.CHOICE).choices(AppSpec.BIND_HANDOFF, AppSpec.BIND_SELF).describe(AppSpec.BIND_HANDOFF,
                    "`handoff`: a worker takes its slot's listening socket from the supervisor (the library's `inheritListeners`, or the "
                            + "agent in place of the app's own). `self`: every worker binds its own `SO_REUSEPORT` socket.")
                    .sets((b, v) -> b.bind((String) v), AppSpec::bind));

    private StartOptions() {
    }

    /** The option with this ecosystem key, or null. */
    public static StartOption byKey(String key) {
        return ALL.stream().filter(o -> o.key().equals(key)).findFirst().orElse(null);
    }

    /** The options a reader sets the common way (not the program, its directory, its environment). */
    public static List<StartOption> regular() {
        return ALL.stream().filter(o -> o.kind() != Kind.SPECIAL).toList();
    }

    /**
     * What a reload cannot bring to a running app from its ecosystem file: the key of the first
     * option whose value in {@code file} differs from the app's as it runs ({@code running}), besides
     * {@code env}, {@code jvm-args} and a {@code java} the file names, which a reload replaces; null if none does.
     */
    public static String unreloadable(AppSpec file, AppSpec running) {
        AppSpec asRunning = file.withEnv(running.env()).withJvmArgs(running.jvmArgs()).toBuilder()
                .java(file.java() != null ? running.java() : file.java()).build();
        if (asRunning.equals(running)) {
            return null;
        }
        if (!Objects.equals(asRunning.jar(), running.jar()) || !asRunning.command().equals(running.command())) {
            return asRunning.jar() != null ? "jar" : "command";
        }
        if (!asRunning.args().equals(running.args())) {
            return "args";
        }
        if (!Objects.equals(asRunning.cwd(), running.cwd())) {
            return "cwd";
        }
        return regular().stream().filter(o -> !Objects.equals(o.get().apply(asRunning), o.get().apply(running))).map(StartOption::key)
                .findFirst().orElse("options"); // every field of a spec is one of these: not reached
    }

    /**
     * The app with its {@code java} made absolute: a relative path is the app's directory's, as its
     * jar's is (a JDK kept beside the app, named in its ecosystem file), and a JDK's home stands for
     * its {@code bin/java}.
     */
    public static AppSpec withJavaIn(AppSpec spec, Path appDirectory) {
        return spec.java() == null ? spec : spec.toBuilder().java(javaIn(spec.java(), appDirectory)).build();
    }

    /** {@code java} made absolute against {@code directory}; a JDK's home stands for its {@code bin/java}. */
    public static String javaIn(String java, Path directory) {
        Path path = directory.resolve(java).normalize();
        return (Files.isDirectory(path) ? path.resolve("bin").resolve("java") : path).toString();
    }

    @SuppressWarnings("unchecked")
    private static List<String> words(Object v) {
        return (List<String>) v;
    }

    private static StartOption special(String key, String cli, String defaultText, String description) {
        return new StartOption(key, cli == null ? List.of() : List.of(cli), Kind.SPECIAL, List.of(), defaultText, description, 0, 0, false, null,
                (b, v) -> { }, s -> null);
    }

    private static StartOption duration(String key, String defaultText, long min, long max, String minReason, String description,
                                        BiConsumer<AppSpec.Builder, Long> set, Function<AppSpec, Long> get) {
        return declare(key, Kind.DURATION).range(min, max).minReason(minReason).describe(defaultText, description)
                .sets((b, v) -> set.accept(b, (Long) v), s -> get.apply(s));
    }

    private static Declaration declare(String key, Kind kind) {
        return new Declaration(key, kind);
    }

    /** Reads a declaration as a sentence: declare(key, kind).range(…).describe(…).sets(…). */
    private static final class Declaration {
        private final String key;
        private final Kind kind;
        private List<String> cli;
        private List<String> choices = List.of();
        private long min;
        private long max = Long.MAX_VALUE;
        private boolean zeroAllowed;
        private String minReason;
        private String defaultText;
        private String description;

        Declaration(String key, Kind kind) {
            this.key = key;
            this.kind = kind;
            this.cli = List.of("--" + key);
        }

        Declaration cli(String... names) {
            cli = List.of(names);
            return this;
        }

        Declaration choices(String... words) {
            choices = List.of(words);
            return this;
        }

        Declaration range(long least, long most) {
            min = least;
            max = most;
            return this;
        }

        Declaration zeroAllowed() {
            zeroAllowed = true;
            return this;
        }

        Declaration minReason(String why) {
            minReason = why;
            return this;
        }

        Declaration describe(String byDefault, String meaning) {
            defaultText = byDefault;
            description = meaning;
            return this;
        }

        StartOption sets(BiConsumer<AppSpec.Builder, Object> set, Function<AppSpec, Object> get) {
            return new StartOption(key, new ArrayList<>(cli), kind, choices, defaultText, description, min, max, zeroAllowed, minReason, set, get);
        }
    }
}
