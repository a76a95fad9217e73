package dev.cluster.agent;

import dev.cluster.protocol.Env;
import dev.cluster.protocol.WorkerMessage;
import dev.cluster.protocol.Wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker's one-line integration with the supervisor:
 * <pre>{@code
 * ClusterWorker cluster = ClusterWorker.fromEnvironment();
 * cluster.onShutdown(server::drain);   // stop accepting, finish in-flight requests
 * cluster.ready();                     // now serving: the supervisor counts this worker online
 * }</pre>
 * The drain hook runs once, on the first of: the supervisor asks over the worker socket, SIGTERM or
 * SIGINT, or the supervisor is gone (its socket or our stdin closes: workers must not outlive it).
 * When the hook returns the JVM exits with status 0. Outside a supervisor the same code runs
 * standalone: {@link #ready()} does nothing and SIGTERM/SIGINT still drain.
 */
public final class ClusterWorker {
    private final String app;
    private final int workerId;
    private final int instances;
    private final SocketChannel socket;
    private final Path socketPath;
    private final boolean handoff;
    /**
     * Sends in order, off the caller's thread: encoding the first message loads Jackson (~0.3 s),
     * which then overlaps the app's own start-up instead of adding to it.
     */
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> daemonThread("cluster-worker-socket", r));
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private volatile Runnable drainHook = () -> { };

    private ClusterWorker(String app, int workerId, int instances, SocketChannel socket, Path socketPath, boolean handoff) {
        this.app = app;
        this.workerId = workerId;
        this.instances = instances;
        this.socket = socket;
        this.socketPath = socketPath;
        this.handoff = handoff;
    }

    /** Connects to the supervisor named in the environment, or returns a standalone instance. */
    public static ClusterWorker fromEnvironment() {
        String app = System.getenv().getOrDefault(Env.APP, "standalone");
        int id = intEnv(Env.WORKER_ID, 0);
        int instances = intEnv(Env.INSTANCES, 1);
        String socketPath = System.getenv(Env.WORKER_SOCKET);
        if (socketPath == null || socketPath.isEmpty()) {
            return new ClusterWorker(app, id, instances, null, null, false);
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(socketPath)));
        } catch (IOException e) {
            // Supervised but the supervisor is unreachable: it is gone, so we must not start serving.
            System.err.println("cluster: cannot reach the supervisor at " + socketPath + " (" + e.getMessage() + "); exiting");
            System.exit(1);
            throw new AssertionError();
        }
        boolean handoff = !"self".equals(System.getenv(Env.BIND));
        ClusterWorker worker = new ClusterWorker(app, id, instances, channel, Path.of(socketPath), handoff);
        worker.sender.execute(() -> worker.send(WorkerMessage.hello(app, id, ProcessHandle.current().pid())));
        worker.watch("cluster-supervisor-socket", worker::readSupervisor);
        // The supervisor holds our stdin open; EOF means it died, even by SIGKILL.
        worker.watch("cluster-stdin-watch", () -> drainStdin(System.in, worker));
        return worker;
    }

    public String app() {
        return app;
    }

    public int workerId() {
        return workerId;
    }

    public int instances() {
        return instances;
    }

    public boolean supervised() {
        return socket != null;
    }

    /**
     * In handoff mode (the default under a supervisor), the file descriptors of this worker slot's
     * listening sockets, already bound with SO_REUSEPORT on {@code host} and the app's port and
     * listening: serve them all instead of binding (for Netty: {@code new EpollServerSocketChannel(fd)}
     * each). Usually one; more after the app was scaled down, when a leaving slot's socket passes to
     * this one rather than being closed. The supervisor keeps its own copies open, so connections
     * that queue while this worker is replaced wait for the replacement instead of being reset.
     * Empty when the app should bind itself: not supervised, or {@code --bind self}.
     */
    public int[] inheritListeners(String host) throws IOException {
        if (!handoff) {
            return new int[0];
        }
        return ListenerHandoff.receive(socketPath, host);
    }

    /** Sets what to run before exiting: stop accepting, finish in-flight work. Installs SIGTERM/SIGINT handling. */
    public void onShutdown(Runnable drain) {
        this.drainHook = drain;
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> shutdown("SIG" + name));
        }
    }

    /** Tells the supervisor this worker is serving. */
    public void ready() {
        if (socket != null) {
            sender.execute(() -> send(WorkerMessage.of(WorkerMessage.READY)));
        }
    }

    /** Runs the drain hook once on a fresh thread, then exits the JVM. */
    public void shutdown(String reason) {
        if (!shuttingDown.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> {
            System.err.println("cluster: worker " + workerId + " draining (" + reason + ")");
            int status = 0;
            try {
                drainHook.run();
            } catch (RuntimeException e) {
                e.printStackTrace();
                status = 1;
            }
            System.exit(status);
        }, "cluster-shutdown");
        thread.start();
    }

    private void readSupervisor() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(socket), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                WorkerMessage message = Wire.decode(line, WorkerMessage.class);
                if (WorkerMessage.SHUTDOWN.equals(message.type())) {
                    shutdown("supervisor asked");
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: a broken socket means the same as a closed one
        }
        shutdown("supervisor socket closed");
    }

    private static void drainStdin(InputStream in, ClusterWorker worker) {
        byte[] buffer = new byte[512];
        try {
            while (in.read(buffer) >= 0) {
                // the supervisor never writes; anything read is discarded
            }
        } catch (IOException e) {
            // same as EOF
        }
        worker.shutdown("supervisor gone (stdin closed)");
    }

    private void send(WorkerMessage message) {
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Wire.encode(message));
            while (bytes.hasRemaining()) {
                socket.write(bytes);
            }
        } catch (IOException e) {
            shutdown("supervisor socket closed");
        }
    }

    private void watch(String name, Runnable body) {
        daemonThread(name, body).start();
    }

    private static Thread daemonThread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    private static int intEnv(String name, int fallback) {
        try {
            return Integer.parseInt(System.getenv().getOrDefault(name, String.valueOf(fallback)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
