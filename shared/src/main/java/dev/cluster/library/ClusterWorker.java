package dev.cluster.library;

import dev.cluster.telemetry.Pools;
import dev.cluster.telemetry.Telemetry;
import dev.cluster.telemetry.LoopProbe;
import dev.cluster.protocol.SupervisorLink;
import dev.cluster.protocol.Env;
import dev.cluster.protocol.Wire;
import dev.cluster.protocol.WorkerMessage;

import io.netty.util.concurrent.EventExecutorGroup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker's one-line integration with the supervisor:
 * <pre>{@code
 * ClusterWorker cluster = ClusterWorker.fromEnvironment();
 * cluster.monitor(eventLoopGroup);     // lag of each event loop, stacks of whatever blocks one
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
    /** -1 in a standby until it takes over a slot: the supervisor says which ({@link WorkerMessage.Assigned}). */
    private volatile int workerId;
    private final boolean standby;
    private final java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);
    private final int instances;
    private final SupervisorLink link;
    private final boolean handoff;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private volatile Runnable drainHook = () -> { };

    private ClusterWorker(String app, int workerId, int instances, SupervisorLink link, boolean handoff) {
        this.app = app;
        this.workerId = workerId;
        this.standby = link != null && "1".equals(System.getenv(Env.STANDBY));
        this.instances = instances;
        this.link = link;
        this.handoff = handoff;
    }

    /** Connects to the supervisor named in the environment, or returns a standalone instance. */
    public static ClusterWorker fromEnvironment() {
        String app = System.getenv().getOrDefault(Env.APP, "standalone");
        int id = intEnv(Env.WORKER_ID, 0);
        int instances = intEnv(Env.INSTANCES, 1);
        Path socketPath = SupervisorLink.socketPath();
        if (socketPath == null) {
            return new ClusterWorker(app, id, instances, null, false);
        }
        SupervisorLink link;
        try {
            link = SupervisorLink.connect(socketPath, app, id);
        } catch (IOException e) {
            // Supervised but the supervisor is unreachable: it is gone, so we must not start serving.
            System.err.println("cluster: cannot reach the supervisor at " + socketPath + " (" + e.getMessage() + "); exiting");
            System.exit(1);
            throw new AssertionError();
        }
        boolean handoff = !"self".equals(System.getenv(Env.BIND));
        ClusterWorker worker = new ClusterWorker(app, id, instances, link, handoff);
        link.send(new WorkerMessage.Hello(app, id, ProcessHandle.current().pid(), null));
        link.onMessage(message -> {
            if (message instanceof WorkerMessage.Shutdown) {
                worker.shutdown("supervisor asked");
            } else if (message instanceof WorkerMessage.Assigned a) {
                worker.workerId = a.workerId();
                worker.assigned.countDown();
            }
        });
        link.onClosed(() -> worker.shutdown("supervisor socket closed"));
        // The supervisor holds our stdin open; EOF means it died, even by SIGKILL.
        SupervisorLink.daemonThread("cluster-stdin-watch", () -> drainStdin(System.in, worker)).start();
        Telemetry.start(link); // also without the agent (--no-agent): the library reports the same
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

    /**
     * Whether this process is a standby ({@code --standby N}): it will wait in {@link
     * #inheritListeners} until a slot needs it, and its first request then comes at once. Warm up
     * before that (serve a few requests of your own on a private port): class loading and the JIT
     * are what a first request would otherwise wait for.
     */
    public boolean standby() {
        return standby;
    }

    public boolean supervised() {
        return link != null;
    }

    /**
     * The processors this worker's share of the machine holds: the supervisor divides the cores
     * among the app's workers ({@code --share on}, the default), so size event loops and pools by
     * this rather than by every core of the host. Outside a supervisor, or with the share off, the
     * processors the JVM sees.
     */
    public static int processors() {
        int share = intEnv(Env.PROCESSORS, 0);
        return share > 0 ? share : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Measures the lag of every event loop of {@code group} (a Netty {@code EventLoopGroup}, or any
     * group of single-threaded executors) and watches them for stalls: the supervisor shows how late
     * each loop runs and the stack of whatever blocked one. Does nothing when not supervised.
     */
    public void monitor(EventExecutorGroup group) {
        Telemetry telemetry = Telemetry.current();
        if (telemetry != null) {
            LoopProbe.monitor(group, telemetry);
        }
    }

    /**
     * Reports {@code executor} as a pool named {@code name}: threads busy of its maximum, tasks
     * queued, and rejections (its rejection handler is wrapped to count them, then runs as before).
     * {@code list} marks a pool that sits at its maximum with a queue. Does nothing when not supervised.
     */
    public void monitor(ThreadPoolExecutor executor, String name) {
        if (Telemetry.current() != null) {
            Pools.monitor(executor, name);
        }
    }

    /**
     * In handoff mode (the default under a supervisor), the file descriptors of this worker slot's
     * listening sockets, already bound with SO_REUSEPORT on {@code host} and the app's port and
     * listening: serve them all instead of binding (for Netty: {@code new EpollServerSocketChannel(fd)}
     * each). Usually one; more after the app was scaled down, when a leaving slot's socket passes to
     * this one rather than being closed. The supervisor keeps its own copies open, so connections
     * that queue while this worker is replaced wait for the replacement instead of being reset.
     * Empty when the app should bind itself: not supervised, or {@code --bind self}.
     * <p>
     * In a standby ({@code --standby N}) this is where it waits, however long, until a worker slot
     * needs it; {@link #workerId()} is then that slot's. Do everything that can be done before
     * serving first, so that taking over is a matter of milliseconds. A standby stopped while it
     * waits (its app stopped, deleted or reloaded) exits here ({@code System.exit(0)}): it has
     * served nothing, and must never serve.
     */
    public int[] inheritListeners(String host) throws IOException {
        if (!handoff) {
            return new int[0];
        }
        if (standby) {
            // Learnt now, not when it comes: the first decoding loads and warms Jackson's parser.
            Wire.decode(Wire.encode(new WorkerMessage.Assigned(0)), WorkerMessage.class);
        }
        int[] fds;
        try {
            fds = ListenerHandoff.receive(link.path(), host, standby);
        } catch (IOException e) {
            if (standby) {
                System.err.println("cluster: this standby was stopped before it took a worker's place: it exits");
                System.exit(0);
            }
            throw e;
        }
        if (standby) {
            try {
                assigned.await(1, java.util.concurrent.TimeUnit.SECONDS); // sent just before the sockets, on the other connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return fds;
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
        if (link != null) {
            link.send(new WorkerMessage.Ready());
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

    private static int intEnv(String name, int fallback) {
        try {
            return Integer.parseInt(System.getenv().getOrDefault(name, String.valueOf(fallback)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
