package dev.cluster.protocol;


import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * This process's one connection to the supervisor's worker socket, shared by the library
 * ({@link ClusterWorker}) and the telemetry agent when both are present. It introduces itself
 * with an agent hello; the library adds its own hello when the app calls it.
 */
public final class SupervisorLink {
    private static SupervisorLink instance;

    private final SocketChannel socket;
    private final Path path;
    /**
     * Sends in order, off the caller's thread (often an event loop), which never waits for the socket
     * or for the encoding's first use (loading Jackson's streaming classes).
     */
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> daemonThread("cluster-worker-socket", r));
    private volatile Consumer<WorkerMessage> onMessage = message -> { };
    private volatile Runnable onClosed = () -> { };
    private volatile boolean closed;

    private SupervisorLink(SocketChannel socket, Path path) {
        this.socket = socket;
        this.path = path;
    }

    /** The worker-socket path from the environment, or null when not supervised. */
    public static Path socketPath() {
        String value = System.getenv(Env.WORKER_SOCKET);
        return value == null || value.isEmpty() ? null : Path.of(value);
    }

    /**
     * Connects on first call; later calls return the same link.
     *
     * @throws IOException when the supervisor named in the environment cannot be reached
     */
    public static synchronized SupervisorLink connect(Path path, String app, int workerId) throws IOException {
        if (instance == null) {
            SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
            SupervisorLink link = new SupervisorLink(channel, path);
            link.send(new WorkerMessage.Hello(app, workerId, ProcessHandle.current().pid(), Boolean.TRUE));
            daemonThread("cluster-supervisor-socket", link::read).start();
            DeathWatch.arm(link);
            instance = link;
        }
        return instance;
    }

    public Path path() {
        return path;
    }

    public void onMessage(Consumer<WorkerMessage> handler) {
        this.onMessage = handler;
    }

    /** Runs {@code handler} when the supervisor hangs up (at once if it already has). */
    public synchronized void onClosed(Runnable handler) {
        this.onClosed = handler;
        if (closed) {
            handler.run();
        }
    }

    /** Queues the message; never blocks and never throws, so any thread may call it. */
    public void send(WorkerMessage message) {
        if (closed) {
            return;
        }
        try {
            sender.execute(() -> write(message));
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void write(WorkerMessage message) {
        try {
            Wire.write(socket, message);
        } catch (IOException e) {
            closed();
        }
    }

    private void read() {
        try {
            LineReader in = new LineReader(socket);
            WorkerMessage message;
            while ((message = in.read(WorkerMessage.class)) != null) {
                onMessage.accept(message);
            }
        } catch (IOException | RuntimeException e) {
            // fall through: a broken socket means the same as a closed one
        }
        closed();
    }

    private synchronized void closed() {
        if (!closed) {
            closed = true;
            sender.shutdown();
            onClosed.run();
        }
    }

    public static Thread daemonThread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
