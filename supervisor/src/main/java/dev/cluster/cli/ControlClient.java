package dev.cluster.cli;

import dev.cluster.home.DaemonBuild;
import dev.cluster.home.Home;
import dev.cluster.home.DaemonCopy;
import dev.cluster.home.SafePaths;
import dev.cluster.home.UnsafePath;
import dev.cluster.daemon.DaemonMain;
import dev.cluster.daemon.Sighup;
import dev.cluster.logs.LogFiles;
import dev.cluster.protocol.LineReader;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;
import dev.cluster.worker.OpenFiles;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The CLI's side of the control socket: a plain JDK Unix-domain client, one request and one
 * response, so a one-shot command loads no Netty and starts no threads. Starts the daemon when a
 * command needs one and none runs.
 */
final class ControlClient {
    private static final long DAEMON_START_TIMEOUT_MS = 15_000;
    private static final long LOST_RACE_RETRY_MS = 2_000;
    /** How long the CLI waits for the supervisor's next line (an answer, a progress step or a heartbeat). */
    static final long ANSWER_TIMEOUT_MS = 5_000;
    /** Keeps the daemon small: it holds state for a few hundred workers, not data. The systemd unit's too. */
    static final List<String> DAEMON_JVM_OPTIONS = List.of(
            "-Xms8m", "-Xmx64m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=64m", "-XX:MaxDirectMemorySize=32m",
            // Give heap back after a collection instead of keeping the high-water mark (SerialGC shrinks on full GCs).
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
            // No hsperfdata: its sampler thread wakes every 50 ms, a fifth of the daemon's idle CPU (jcmd still attaches).
            "-XX:-UsePerfData",
            // The daemon loads the agent's JNI library (steering connections); JDK 24+ warns without this.
            "--enable-native-access=ALL-UNNAMED");

    /** The notes of successful answers this command has printed (see {@link #ok}). */
    private static final Set<String> NOTES_PRINTED = new HashSet<>();
    /** Whether this command has compared the daemon's build with its own (see {@link #warnIfDaemonIsOlder}). */
    private static boolean daemonBuildChecked;

    private final Home home;

    ControlClient(Home home) {
        this.home = home;
    }

    Home home() {
        return home;
    }

    /**
     * The home from the environment, checked before anything in it is read, written or connected
     * to: a home another user controls could hand us a daemon of theirs, or code to run.
     */
    static Home verifiedHome() {
        Home home = Home.fromEnvironment();
        try {
            home.verify();
        } catch (UnsafePath e) {
            throw new UserError(e.getMessage());
        }
        return home;
    }

    /** Sends the request to a running daemon; the user error says how to start one if none runs. */
    Response call(Request request) {
        return call(request, progress -> { });
    }

    /** The same, for a long command: each progress step is passed to {@code progress} as it arrives. */
    Response call(Request request, Consumer<String> progress) {
        SocketChannel channel = tryConnect();
        if (channel == null) {
            requireNoUnreachableDaemon();
            throw new UserError("no supervisor is running on " + home.dir() + ": start an app with 'cluster start', or run 'cluster ping'");
        }
        return exchange(channel, request, progress);
    }

    /** Sends the request, starting the daemon first if none runs. */
    Response callStartingDaemon(Request request) {
        SocketChannel channel = tryConnect();
        if (channel == null) {
            channel = startDaemon();
        }
        return exchange(channel, request, progress -> { });
    }

    /**
     * A supervisor of this home that the CLI cannot reach: its control socket is bound (the kernel
     * still lists its path in /proc/net/unix), but the file is gone (removed with the home, or by a
     * cleaner of old files), so its workers run on with no one to ask. A supervisor that is starting
     * holds the lock before it binds, and is not one. Found among the java processes by the home's
     * lock file, which every supervisor holds open; looked for only when no socket answers.
     */
    Optional<ProcessHandle> unreachableDaemon() {
        String socket = " " + home.controlSocket().toAbsolutePath();
        if (Files.exists(home.controlSocket()) || readQuietly(Path.of("/proc/net/unix")).lines().noneMatch(l -> l.endsWith(socket))) {
            return Optional.empty();
        }
        String lock = home.lockFile().toAbsolutePath().toString();
        long me = ProcessHandle.current().pid();
        return OpenFiles.holder(pid -> pid != me && readQuietly(Path.of("/proc", Long.toString(pid), "comm")).equals("java\n"),
                        Set.of(lock, lock + " (deleted)")::contains)
                .flatMap(ProcessHandle::of);
    }

    /** Refuses, in one line, what needs a reachable supervisor when this home's cannot be reached. */
    void requireNoUnreachableDaemon() {
        unreachableDaemon().ifPresent(daemon -> {
            throw new UserError(unreachable(daemon) + "; " + unreachableFix(daemon));
        });
    }

    /** What is wrong with {@code daemon}, the process {@link #unreachableDaemon} found, and what it leaves running. */
    String unreachable(ProcessHandle daemon) {
        long workers = daemon.children().count();
        return "the supervisor (pid " + daemon.pid() + ") of " + home.dir() + " can no longer be reached: its control socket was removed "
                + "(the home deleted, or a cleaner of old files), " + (workers == 0 ? "and it runs no worker" : "and its " + workers
                + " worker process(es) still run");
    }

    static String unreachableFix(ProcessHandle daemon) {
        return "'cluster kill' stops it" + (daemon.children().findAny().isPresent() ? " and them, then start them again" : "");
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    boolean daemonRunning() {
        SocketChannel channel = tryConnect();
        if (channel == null) {
            return false;
        }
        closeQuietly(channel);
        return true;
    }

    /** The answer if it is a success (its details, if any, printed on stderr as notes); else the user error it is. */
    static Response ok(Response response) {
        if (!response.ok()) {
            throw new UserError(response.error(), response.details());
        }
        if (response.details() != null) {
            // Once per command: an ecosystem file's apps are one request each, with the same note.
            response.details().stream().filter(NOTES_PRINTED::add).forEach(line -> System.err.println("cluster: " + line));
        }
        return response;
    }

    private SocketChannel tryConnect() {
        if (!Files.exists(home.controlSocket())) {
            return null;
        }
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(home.controlSocket()));
        } catch (IOException e) {
            return null; // a stale socket file from a daemon that died
        }
    }

    private Response exchange(SocketChannel channel, Request request, Consumer<String> progress) {
        if (!(request instanceof Request.Kill)) { // on its way out: the next one is of the new build
            warnIfDaemonIsOlder(home);
        }
        byte[] line = Wire.encode(request);
        if (line.length > Wire.MAX_LINE_BYTES) {
            throw new UserError("the request is " + line.length / (1024 * 1024) + " MB, more than the supervisor takes ("
                    + Wire.MAX_LINE_BYTES / (1024 * 1024) + " MB): pass large settings in a file the app reads, not in --env or arguments");
        }
        AnswerDeadline deadline = new AnswerDeadline(channel);
        try (channel; deadline) {
            deadline.restart();
            ByteBuffer out = ByteBuffer.wrap(line);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            LineReader in = new LineReader(channel);
            while (true) {
                deadline.restart();
                Response response = in.read(Response.class);
                if (response == null) {
                    throw new IOException("the supervisor closed the connection without answering");
                }
                if (response.progress() == null) {
                    return response;
                }
                if (!response.progress().isEmpty()) { // empty: a heartbeat
                    progress.accept(response.progress());
                }
            }
        } catch (IOException e) {
            if (deadline.passed()) {
                throw new UserError("the supervisor" + daemonPid(home) + " did not answer within " + ANSWER_TIMEOUT_MS / 1000
                        + " s: it may be stopped or overloaded; 'cluster doctor' checks");
            }
            throw new UserError("lost the connection to the supervisor (" + e.getMessage() + "): see " + home.daemonLog());
        }
    }

    /**
     * One line on stderr when the daemon was started from this CLI's jar and the jar has been rebuilt
     * or upgraded since: the daemon runs on the old build (its own copy) until it is restarted.
     */
    static void warnIfDaemonIsOlder(Home home) {
        if (daemonBuildChecked) {
            return; // a command may make several requests (start NAME, an ecosystem file's apps): one line is enough
        }
        daemonBuildChecked = true;
        Path jar = ownJar();
        String changed = DaemonBuild.changedSince(home, jar);
        if (changed != null) {
            System.err.println("cluster: warning: the supervisor" + daemonPid(home) + " runs an earlier build of " + jar
                    + " (it changed at " + changed + "): 'cluster kill' then 'cluster resurrect' starts the new one (every worker restarts)");
        }
    }

    /** " (pid N)" from the daemon's pid file, or nothing. */
    private static String daemonPid(Home home) {
        try {
            return " (pid " + Files.readString(home.pidFile()).trim() + ")";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Closes the connection when the supervisor has sent nothing for {@link #ANSWER_TIMEOUT_MS}: it
     * sends a heartbeat every second while it works on a request, so silence means it is stopped,
     * stuck or starved, and the CLI says so instead of waiting for ever.
     */
    private static final class AnswerDeadline implements AutoCloseable {
        private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "cluster-answer-deadline");
            t.setDaemon(true);
            return t;
        });
        private final SocketChannel channel;
        private volatile boolean passed;
        private ScheduledFuture<?> pending;

        AnswerDeadline(SocketChannel channel) {
            this.channel = channel;
        }

        void restart() {
            close();
            pending = TIMER.schedule(() -> {
                passed = true;
                closeQuietly(channel); // the blocked read ends with an AsynchronousCloseException
            }, ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }

        boolean passed() {
            return passed;
        }

        @Override
        public void close() {
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }

    private SocketChannel startDaemon() {
        requireNoUnreachableDaemon(); // a second supervisor of the same home would fight the first over its ports
        try {
            home.prepare();
            SafePaths.requireNotLink(home.daemonLog()); // appendTo below would follow a link
        } catch (UnsafePath e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot create " + home.dir() + " (" + e.getMessage() + "): set CLUSTER_HOME to a writable directory");
        }
        Path source = ownJar();
        Path jar = daemonCopy(source);
        long logStart = LogFiles.size(home.daemonLog());
        long deadline = System.currentTimeMillis() + DAEMON_START_TIMEOUT_MS;
        Process daemon = launchDaemon(jar, source);
        long lostRaceAt = 0;
        while (System.currentTimeMillis() < deadline) {
            SocketChannel channel = tryConnect();
            if (channel != null) {
                return channel;
            }
            if (!daemon.isAlive()) {
                if (daemon.exitValue() != DaemonMain.ALREADY_RUNNING) {
                    throw new UserError("the supervisor daemon exited at start-up: see " + home.daemonLog(),
                            LogFiles.tail(home.daemonLog(), logStart, 10));
                }
                // Another supervisor holds the home: most often one that a command run at the same
                // moment started, which opens its socket once its JVM is up. If none opens, that one
                // was shutting down (a 'cluster kill'): try again once it has had time to let go.
                if (lostRaceAt == 0) {
                    lostRaceAt = System.currentTimeMillis();
                } else if (System.currentTimeMillis() - lostRaceAt > LOST_RACE_RETRY_MS) {
                    daemon = launchDaemon(jar, source);
                    lostRaceAt = 0;
                }
            }
            sleep(20);
        }
        throw new UserError("the supervisor daemon did not open " + home.controlSocket() + " within "
                + DAEMON_START_TIMEOUT_MS / 1000 + " s: see " + home.daemonLog());
    }

    private Process launchDaemon(Path jar, Path source) {
        List<String> cmd = new ArrayList<>(List.of(Sighup.resetPrefix())); // started under nohup: SIGHUP back to default
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: closing the terminal must not take it down
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(DAEMON_JVM_OPTIONS);
        cmd.add("-D" + DaemonMain.SOURCE_PROPERTY + "=" + source.toAbsolutePath());
        cmd.addAll(List.of("-cp", jar.toString(), "dev.cluster.daemon.DaemonMain"));
        try {
            ProcessBuilder builder = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.daemonLog().toFile()))
                    .redirectErrorStream(true);
            builder.environment().put(Home.ENV, home.dir().toString());
            return builder.start();
        } catch (IOException e) {
            throw new UserError("cannot start the supervisor daemon: " + e.getMessage());
        }
    }

    /** The daemon runs from its own copy of the jar ({@link DaemonCopy}); a classes directory, as an IDE runs it, as it is. */
    private Path daemonCopy(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return jar;
        }
        try {
            return DaemonCopy.of(home, jar);
        } catch (IOException e) {
            throw new UserError("cannot copy the cluster jar into " + home.dir() + " (" + e.getMessage() + "): check its permissions and free space");
        }
    }

    static Path ownJar() {
        try {
            return DaemonCopy.running();
        } catch (IOException e) {
            throw new UserError("cannot locate the cluster jar to start the daemon: " + e.getMessage());
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
