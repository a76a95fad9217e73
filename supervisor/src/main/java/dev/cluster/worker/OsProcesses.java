package dev.cluster.worker;

import dev.cluster.logs.LogWriter;
import dev.cluster.logs.WorkerOutput;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Env;
import dev.cluster.sockets.NativeSockets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts workers as child processes: builds the command line and environment, gives the process
 * pipes for stdout and stderr that the {@link LogWriter} reads, and a stdin pipe the supervisor never
 * writes (when the supervisor dies the pipe closes, which is how a worker notices).
 */
public final class OsProcesses implements ProcessStarter {
    /**
     * util-linux's setpriv sets PR_SET_PDEATHSIG and then execs the worker in place (same pid), so
     * even a worker that ignores its stdin gets SIGTERM when the supervisor dies, by SIGKILL too.
     */
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /**
     * util-linux's setsid makes the worker lead a process group (and session) of its own, again in
     * place: what it starts stays in that group, so a child of a script that runs java without exec
     * is known as the worker's (WorkerHandler), and what is left of it when it exits is ended with it ({@link ProcessGroups}).
     */
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Set<String> CLASS_PATH_OPTIONS = Set.of("-cp", "-classpath", "--class-path");
    /** Lines of each stream kept for the exit cause ({@code describe}, a failed start or reload). */
    static final int OUTPUT_TAIL_LINES = 20;

    private final LogWriter logs;
    private final Path workerSocket;
    private final AgentJar agent;
    private final String java;
    private final boolean pdeathsig;
    private final boolean ownGroup;
    private final StartCache startCache;
    private final OomKiller oomKiller;
    /** Gives every process started the OOM score the supervisor was started with: see {@link OomKiller#shieldSupervisor}. */
    private final List<String> unshield;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private final long ram = hostRam();

    /**
     * @param agent the agent for jar apps (its jar null to run them without)
     * @param cache where start-up archives are kept ({@code $CLUSTER_HOME/cache})
     * @param loop  the supervisor's loop, where the start cache keeps its state
     */
    public OsProcesses(LogWriter logs, Path workerSocket, AgentJar agent, Path cache, Loop loop) {
        this.logs = logs;
        this.workerSocket = workerSocket;
        this.agent = agent;
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.pdeathsig = Files.isExecutable(SETPRIV);
        this.ownGroup = pdeathsig && Files.isExecutable(SETSID);
        this.oomKiller = new OomKiller(loop);
        this.unshield = OomKiller.shieldSupervisor();
        this.startCache = new StartCache(cache, loop, new ArchiveMaker.Trainer() {
            @Override
            public Process start(AppSpec spec, List<String> jvmOptions, int port, Path output) throws IOException {
                return startTraining(spec, jvmOptions, port, output);
            }

            @Override
            public Process dump(AppSpec spec, Path classList, Path archive, Path output) throws IOException {
                return dumpArchive(spec, classList, archive, output);
            }

            @Override
            public Process extract(AppSpec spec, Path destination, Path output) throws IOException {
                return java(spec, List.of("-Djarmode=tools", "-jar", spec.jar(), "extract", "--destination", destination.toString()), output);
            }
        });
    }

    /** The start-up archives, and the training starts that make them (their requests on the worker socket). */
    public StartCache startCache() {
        return startCache;
    }

    @Override
    public List<String> commandLine(AppSpec spec) {
        return commandLine(spec, List.of());
    }

    /** The command line, with {@code extraJvmOptions} (a start-up archive's) first among the JVM options of a jar app. */
    private List<String> commandLine(AppSpec spec, List<String> extraJvmOptions) {
        List<String> cmd = new ArrayList<>();
        if (spec.jar() != null) {
            cmd.add(spec.java() != null ? spec.java() : java);
            cmd.addAll(extraJvmOptions);
            if (agent.usedBy(spec)) {
                if (agent.nativeLibrary() != null) {
                    // JDK 24+ warns on every JNI library loaded without it (the agent's, and the app's own).
                    cmd.add("--enable-native-access=ALL-UNNAMED");
                    cmd.add("-javaagent:" + agent.jar() + "=native=" + agent.nativeLibrary());
                } else {
                    cmd.add("-javaagent:" + agent.jar());
                }
            }
            cmd.addAll(jvmOptions(spec));
            cmd.add("-jar");
            cmd.add(spec.jar());
        } else {
            cmd.addAll(spec.command());
        }
        cmd.addAll(spec.args());
        return cmd;
    }

    /** A jar app's own JVM options: its share of the machine, then its {@code --jvm-args}. */
    private List<String> jvmOptions(AppSpec spec) {
        List<String> options = new ArrayList<>();
        if (spec.shared()) {
            options.addAll(Share.of(spec, cores).jvmOptions(AppJvmOptions.of(spec)));
        }
        options.addAll(spec.jvmArgs());
        return options;
    }

    /**
     * The command line a start-up archive is keyed by: the app's, with what of its share the archive
     * depends on ({@link Share#archiveTrait}) in place of the share's options, so that a scale-up
     * starts from the archive the app has instead of waiting for a training start of its own.
     */
    private List<String> archiveKeyLine(AppSpec spec) {
        List<String> line = new ArrayList<>(commandLine(spec.toBuilder().share(AppSpec.OFF).build()));
        // Options the JVM takes from its environment (another agent, a heap) change what an archive holds.
        AppJvmOptions.variables(spec).forEach((name, value) -> line.add(name + "=" + value));
        String trait = spec.shared() ? Share.of(spec, cores).archiveTrait(AppJvmOptions.of(spec), ram) : null;
        if (trait != null) {
            line.add(trait);
        }
        return line;
    }

    /**
     * The host's RAM in bytes ({@code MemTotal}), 0 if unknown: the most a worker's JVM can see
     * (a container's limit is lower), enough to tell whether a heap share may pass 32 GB; read here,
     * not through the JDK's management beans, which the daemon would load for it alone.
     */
    private static long hostRam() {
        try {
            Matcher m = Pattern.compile("MemTotal:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc/meminfo")));
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The command line a launch runs: with the archive's options, and its extracted jar in place of the app's if it has one. */
    private List<String> launchLine(AppSpec spec, StartCache.Use archive) {
        return commandLine(archive.jar() == null ? spec : spec.toBuilder().jar(archive.jar().toString()).build(), archive.options());
    }

    @Override
    public WorkerProcess start(AppSpec spec, int workerId) throws IOException {
        StartCache.Use archive = spec.jar() == null ? StartCache.Use.NONE : startCache.forLaunch(spec, archiveKeyLine(spec));
        ProcessBuilder builder = builder(spec, workerId, launchLine(spec, archive));
        WorkerOutput output = logs.open(spec, workerId, OUTPUT_TAIL_LINES);
        builder.redirectOutput(output.stdoutTarget()).redirectError(output.stderrTarget());
        try {
            JarWatch jar = jarOf(spec, archive);
            Process process = spawn(builder);
            output.started();
            OsProcess started = new OsProcess(process, output, archive.note(), sharedAmong(spec), ownGroup ? spec.killTimeoutMs() : -1, jar);
            started.whenReady(() -> startCache.check(spec, archive, process.pid(), started::startCacheNote));
            return started;
        } catch (IOException | RuntimeException e) {
            output.discard();
            throw e;
        }
    }

    @Override
    public WorkerProcess startStandby(AppSpec spec) throws IOException {
        StartCache.Use archive = spec.jar() == null ? StartCache.Use.NONE : startCache.forLaunch(spec, archiveKeyLine(spec));
        ProcessBuilder builder = builder(spec, -1, launchLine(spec, archive));
        builder.environment().put(Env.STANDBY, "1");
        WorkerOutput output = logs.openStandby(spec, OUTPUT_TAIL_LINES);
        builder.redirectOutput(output.stdoutTarget()).redirectError(output.stderrTarget());
        try {
            JarWatch jar = jarOf(spec, archive);
            Process process = spawn(builder);
            output.started();
            return new OsProcess(process, output, archive.note(), sharedAmong(spec), ownGroup ? spec.killTimeoutMs() : -1, jar);
        } catch (IOException | RuntimeException e) {
            output.discard();
            throw e;
        }
    }

    @Override
    public boolean oomKillJustNow() {
        return oomKiller.justNow();
    }

    @Override
    public void workerReady(AppSpec spec) {
        if (spec.jar() != null) {
            startCache.workerReady(spec, archiveKeyLine(spec));
        }
    }

    /**
     * A training start for the start cache ({@link ArchiveMaker.Trainer}): the app's command line with
     * the record option, its output (both streams, the JVM's errors on stdout) to {@code output}, dying with the supervisor like a worker. Port 0: with
     * the agent, told to take its socket from the supervisor (which gives it one on a loopback port of
     * its own); else without the agent and not connected to the supervisor, told to listen on {@code port}.
     */
    private Process startTraining(AppSpec spec, List<String> recordOptions, int port, Path output) throws IOException {
        AppSpec training = port == 0 ? spec : spec.toBuilder().agent(false).build();
        ProcessBuilder builder = builder(training, -1, commandLine(training, recordOptions));
        Map<String, String> env = builder.environment();
        if (port == 0) {
            env.put(Env.BIND, AppSpec.BIND_HANDOFF);
            env.put(Env.TRAINING, "1");
        } else {
            env.remove(Env.WORKER_SOCKET);
            Env.PORT_NAMES.forEach(name -> env.put(name, Integer.toString(port)));
        }
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        return spawn(builder);
    }

    /**
     * An AppCDS archive's dump ({@link ArchiveMaker.Trainer#dump}): the app's java and JVM options, with
     * the class path its workers' JVMs are checked against, {@code -jar}'s jar alone. Not the agent's
     * jar, though {@code -javaagent} appends it: the JVM checks the archive's class path before that,
     * and refuses an archive whose class path is longer than the one it has then ("shorter than the
     * one at dump time"); the agent's own classes load from its jar. Agents are left out, from the
     * options and from {@code JAVA_TOOL_OPTIONS} and the like: the JDK does not archive with one
     * loaded, and a class path that grows after the check is accepted.
     */
    private Process dumpArchive(AppSpec spec, Path classList, Path archive, Path output) throws IOException {
        List<String> args = new ArrayList<>(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + classList, "-XX:SharedArchiveFile=" + archive));
        List<String> options = jvmOptions(spec);
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            if (CLASS_PATH_OPTIONS.contains(option)) {
                i++; // and its value: ignored beside -jar anyway
            } else if (!AppJvmOptions.agent(option)) {
                args.add(option);
            }
        }
        args.addAll(List.of("-cp", spec.jar()));
        return java(spec, args, output);
    }

    /**
     * The app's java with these arguments, in the app's directory, its output (both streams) to a
     * file, dying with the supervisor; the JVM option variables as its workers get them, without agents.
     */
    private Process java(AppSpec spec, List<String> args, Path output) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(spec.java() != null ? spec.java() : java);
        cmd.addAll(args);
        ProcessBuilder builder = inAppDirectory(spec, cmd);
        AppJvmOptions.setWithoutAgents(spec, builder.environment());
        builder.redirectErrorStream(true).redirectOutput(output.toFile()); // the JVM reports CDS errors on stdout
        return spawn(builder);
    }

    /** Starts {@code builder}'s process; the JDK's error for a directory that is gone names the program instead, as if it were missing. */
    static Process spawn(ProcessBuilder builder) throws IOException {
        try {
            return builder.start();
        } catch (IOException e) {
            if (builder.directory() != null && !builder.directory().isDirectory()) {
                throw new IOException("its working directory " + builder.directory() + " is gone (moved or deleted?)", e);
            }
            throw e;
        }
    }

    /** The command line under setsid (its own group), setpriv (it dies with the supervisor) and choom (no OOM shield), in the app's directory. */
    private ProcessBuilder inAppDirectory(AppSpec spec, List<String> commandLine) {
        List<String> cmd = new ArrayList<>();
        if (ownGroup) {
            cmd.add(SETSID.toString());
        }
        if (pdeathsig) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
        }
        cmd.addAll(unshield);
        cmd.addAll(commandLine);
        return new ProcessBuilder(cmd).directory(Path.of(spec.cwd()).toFile());
    }

    /** The jar a launch runs (its extracted copy, if it has one), as it is just before the JVM opens it; null for a program. */
    private static JarWatch jarOf(AppSpec spec, StartCache.Use archive) {
        return spec.jar() == null ? null : JarWatch.of(archive.jar() != null ? archive.jar() : Path.of(spec.jar()));
    }

    /** The count a jar app's JVM is sized for; 0 for a program, whose share is only a hint ({@code CLUSTER_PROCESSORS}). */
    private static int sharedAmong(AppSpec spec) {
        return spec.shared() && spec.jar() != null ? spec.instances() : 0;
    }

    /** A process of the app's: its command line under setpriv, its directory, the environment every worker gets. */
    private ProcessBuilder builder(AppSpec spec, int workerId, List<String> commandLine) {
        ProcessBuilder builder = inAppDirectory(spec, commandLine);
        Map<String, String> env = builder.environment();
        env.putAll(spec.env());
        Env.PORT_NAMES.forEach(name -> env.put(name, Integer.toString(spec.port())));
        if (spec.sharedPort() > 0) {
            env.put(Env.SHARED_PORT, Integer.toString(spec.sharedPort()));
        }
        env.put(Env.WORKER_ID, Integer.toString(workerId));
        env.put(Env.INSTANCES, Integer.toString(spec.instances()));
        env.put(Env.APP, spec.name());
        env.put(Env.WORKER_SOCKET, workerSocket.toString());
        env.put(Env.KILL_TIMEOUT_MS, Long.toString(spec.killTimeoutMs()));
        env.put(Env.BIND, spec.bind());
        env.put(Env.BLOCK_THRESHOLD_MS, Long.toString(spec.blockThresholdMs()));
        if (spec.standby() > 0 && NativeSockets.available()) {
            env.putIfAbsent(Env.DEATH_WATCH, "1"); // a death is a standby's takeover: hear of it before the reap ("--env CLUSTER_DEATH_WATCH=0": not)
        }
        if (spec.shared()) {
            env.put(Env.PROCESSORS, Integer.toString(Share.of(spec, cores).processors()));
        }
        return builder;
    }
}
