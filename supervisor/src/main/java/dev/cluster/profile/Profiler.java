package dev.cluster.profile;

import dev.cluster.home.Home;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.WorkerInfo;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CPU profile of a running JVM, taken with the JDK's own Flight Recorder through {@code jcmd}: the
 * recording starts in the process (no restart, no agent loaded, nothing changed in the app), runs for
 * the given time, and is written where we say when {@code jcmd JFR.stop} returns. Its execution
 * samples (every 10 ms per thread running Java code, with the {@code profile} settings) become a
 * {@link FlameGraph}.
 */
public final class Profiler {
    /** A jcmd that hangs (the target frozen) must not hang the CLI. */
    private static final long JCMD_TIMEOUT_S = 60;

    private final Path jcmd;

    /** Thrown with a one-line reason the user can act on. */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** @param javaHome the JDK the target runs on: its {@code jcmd} speaks that JVM's attach protocol */
    public Profiler(Path javaHome) throws Failure {
        this.jcmd = javaHome.resolve("bin").resolve("jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new Failure("no jcmd at " + jcmd + ": the worker's Java is a runtime without the JDK's tools; run it on a full JDK (--java PATH)");
        }
    }

    /**
     * The JDK home of a {@code --java} executable, its links followed as the kernel follows them when
     * the worker starts: {@code /usr/bin/java} is the JDK's through {@code /etc/alternatives}, and
     * {@code /usr/bin/jcmd} may be another JDK's, whose attach protocol the worker may not speak.
     */
    static Path homeOf(Path java) {
        try {
            return java.toRealPath().getParent().getParent();
        } catch (IOException e) {
            return java.toAbsolutePath().getParent().getParent(); // gone since the start: the message names the jcmd looked for
        }
    }

    /**
     * Profiles one online worker of {@code spec} for {@code seconds} and writes its flame graph to
     * {@code out} (replaced as a whole: a symlink there is replaced, never written through).
     * Returns the line to tell the user.
     */
    public static String profileWorker(Home home, AppSpec spec, WorkerInfo worker, int seconds, Path out)
            throws Failure, IOException, InterruptedException {
        home.prepare();
        Path javaHome = spec.java() != null ? homeOf(Path.of(spec.java())) : Path.of(System.getProperty("java.home"));
        FlameGraph graph = new Profiler(javaHome).record(worker.pid(), seconds,
                home.profiles().resolve(spec.name() + "-" + worker.id() + "-" + worker.pid() + ".jfr"));
        String title = "cluster profile " + spec.name() + ":" + worker.id() + " (pid " + worker.pid() + "), " + seconds + " s from "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path target = out.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), ".profile-", ".svg.tmp");
        try {
            Files.writeString(tmp, graph.svg(title));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return "flame graph of " + spec.name() + ":" + worker.id() + " (pid " + worker.pid() + "), " + graph.samples() + " samples in "
                + seconds + " s" + (graph.samples() == 0 ? " (none: the worker ran no Java code, it was idle)" : "") + ": " + target;
    }

    /**
     * Records {@code seconds} of process {@code pid} into {@code jfr} (a path the process may write),
     * then reads it. The recording is limited to {@code seconds} + 60 by the JVM itself, so a CLI
     * killed halfway leaves nothing running for long.
     */
    public FlameGraph record(long pid, int seconds, Path jfr) throws Failure, IOException, InterruptedException {
        requireJvm(pid);
        String name = "cluster-profile-" + ProcessHandle.current().pid();
        jcmd(pid, "JFR.start", "name=" + name, "settings=profile", "duration=" + (seconds + 60) + "s");
        try {
            TimeUnit.SECONDS.sleep(seconds); // the profile's length: what the user asked for
        } finally {
            jcmd(pid, "JFR.stop", "name=" + name, "filename=" + jfr);
        }
        try {
            return read(jfr);
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    /** The execution samples of a recording, as a flame graph. */
    static FlameGraph read(Path jfr) throws IOException {
        FlameGraph graph = new FlameGraph();
        try (RecordingFile recording = new RecordingFile(jfr)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                RecordedThread thread = event.getThread("sampledThread");
                if (stack == null || thread == null) {
                    continue;
                }
                List<RecordedFrame> frames = stack.getFrames();
                List<String> outermostFirst = new ArrayList<>(frames.size() + 1);
                if (stack.isTruncated()) {
                    outermostFirst.add("[deeper frames not recorded]");
                }
                for (int i = frames.size() - 1; i >= 0; i--) {
                    RecordedFrame f = frames.get(i);
                    outermostFirst.add(f.getMethod().getType().getName() + "." + f.getMethod().getName());
                }
                graph.add(thread.getJavaName() == null ? thread.getOSName() : thread.getJavaName(), outermostFirst);
            }
        }
        return graph;
    }

    /** jcmd would take its 10 s attach timeout to say so, then a stack trace: a worker that is a program (-- COMMAND) is told at once. */
    static void requireJvm(long pid) throws Failure {
        String maps;
        try {
            maps = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
        } catch (IOException e) {
            return; // gone, or not ours to read: jcmd says what it finds
        }
        if (!maps.contains("/libjvm.so")) {
            String exe = ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("?");
            throw new Failure("pid " + pid + " is not a JVM (it runs " + exe + "): a profile is taken by the JVM's own Flight Recorder, so only a "
                    + "worker that is a Java process, or a script that execs java, can be profiled");
        }
    }

    private void jcmd(long pid, String... command) throws Failure, IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(JCMD_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new Failure("jcmd " + command[0] + " on pid " + pid + " got no answer in " + JCMD_TIMEOUT_S + " s: is the worker frozen?");
        }
        // jcmd exits 0 even when the JVM refused the command; its output says so.
        String flat = output.strip().replaceAll("\\s+", " ");
        if (p.exitValue() != 0 || flat.contains("Exception") || flat.contains("Could not") || flat.contains("not available")) {
            throw new Failure("jcmd " + command[0] + " on pid " + pid + " failed: " + (flat.length() > 300 ? flat.substring(0, 300) + "..." : flat));
        }
    }
}
