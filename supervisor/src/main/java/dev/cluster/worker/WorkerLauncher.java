package dev.cluster.worker;

import dev.cluster.logs.LogWriter;
import dev.cluster.logs.WorkerOutput;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a worker's command line and environment and starts it as a child process whose stdout and
 * stderr are pipes the {@link LogWriter} reads and whose stdin is a pipe the supervisor never
 * writes: when the supervisor dies the pipe closes, which is how a worker notices.
 */
public final class WorkerLauncher {
    /**
     * util-linux's setpriv sets PR_SET_PDEATHSIG and then execs the worker in place (same pid), so
     * even a worker that ignores its stdin gets SIGTERM when the supervisor dies, by SIGKILL too.
     */
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private final LogWriter logs;
    private final Path workerSocket;
    private final AgentJar agent;
    private final String java;
    private final boolean pdeathsig;

    /** @param agent the agent for jar apps (its jar null to run them without) */
    public WorkerLauncher(LogWriter logs, Path workerSocket, AgentJar agent) {
        this.logs = logs;
        this.workerSocket = workerSocket;
        this.agent = agent;
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.pdeathsig = Files.isExecutable(SETPRIV);
    }

    /** The command line of the app's workers, as {@code describe} shows it. */
    public List<String> commandLine(AppSpec spec) {
        List<String> cmd = new ArrayList<>();
        if (spec.jar() != null) {
            cmd.add(java);
            if (spec.agent() && agent.jar() != null) {
                if (agent.nativeLibrary() != null) {
                    // JDK 24+ warns on every JNI library loaded without it (the agent's, and the app's own).
                    cmd.add("--enable-native-access=ALL-UNNAMED");
                    cmd.add("-javaagent:" + agent.jar() + "=native=" + agent.nativeLibrary());
                } else {
                    cmd.add("-javaagent:" + agent.jar());
                }
            }
            cmd.addAll(spec.jvmArgs());
            cmd.add("-jar");
            cmd.add(spec.jar());
        } else {
            cmd.addAll(spec.command());
        }
        cmd.addAll(spec.args());
        return cmd;
    }

    /** A started worker process and its output pipes. */
    public record Started(Process process, WorkerOutput output) {
    }

    /** @param errLinesKept how many of its last stderr lines the output remembers */
    public Started start(AppSpec spec, int workerId, int errLinesKept) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (pdeathsig) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
        }
        cmd.addAll(commandLine(spec));
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(Path.of(spec.cwd()).toFile());
        Map<String, String> env = builder.environment();
        env.putAll(spec.env());
        env.put(Env.PORT, Integer.toString(spec.port()));
        env.put(Env.WORKER_ID, Integer.toString(workerId));
        env.put(Env.INSTANCES, Integer.toString(spec.instances()));
        env.put(Env.APP, spec.name());
        env.put(Env.WORKER_SOCKET, workerSocket.toString());
        env.put(Env.KILL_TIMEOUT_MS, Long.toString(spec.killTimeoutMs()));
        env.put(Env.BIND, spec.bind());
        env.put(Env.BLOCK_THRESHOLD_MS, Long.toString(spec.blockThresholdMs()));
        WorkerOutput output = logs.open(spec, workerId, errLinesKept);
        builder.redirectOutput(output.stdoutTarget()).redirectError(output.stderrTarget());
        try {
            Process process = builder.start();
            output.started();
            return new Started(process, output);
        } catch (IOException | RuntimeException e) {
            output.discard();
            throw e;
        }
    }
}
