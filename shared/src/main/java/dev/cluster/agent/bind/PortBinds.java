package dev.cluster.agent.bind;

import dev.cluster.protocol.Wire;
import dev.cluster.sockets.NativeSockets;
import dev.cluster.telemetry.LoopProbe;
import dev.cluster.protocol.WorkerMessage;

import java.io.FileDescriptor;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * What an unmodified app's bind of its port turns into. {@link BindTransformer} puts a call to
 * {@link #on} into the JDK's TCP bind path ({@code sun.net.NetHooks.beforeTcpBind}, and the end of
 * {@code sun.nio.ch.Net.bind}) and into Netty's native {@code Socket.bind}, which between them every
 * JVM server reaches: Tomcat, Jetty, Undertow, the JDK's HttpServer, Netty NIO and epoll, Vert.x.
 * <ul>
 * <li>Before a server binds a TCP socket to the app's port, it gets SO_REUSEPORT: every worker of
 *     the app can bind the port (sharing).</li>
 * <li>Right after that bind, if the native library is there and the app is not {@code --bind self},
 *     the socket is replaced, under the same descriptor number, by the slot's listening socket that
 *     the supervisor holds (handoff). The app's {@code listen} then only sets its backlog, and it
 *     serves a socket that outlives it: what queues while it restarts or is replaced waits for the
 *     next worker instead of being reset.</li>
 * </ul>
 * A server's bind of the app's second port ({@code --shared-port}, a management port fixed in its
 * configuration) gets SO_REUSEPORT too, and keeps its own socket: the supervisor holds no socket for
 * it (but a training start's is replaced by a loopback socket, as its app port's is). Client sockets,
 * UDP, and other ports are left alone. Nothing here ever throws into the app: a handoff that fails
 * leaves the app its own (shared) socket, and says so on stderr once; a standby answered without a
 * socket exits (see {@link #adopt}).
 */
public final class PortBinds {
    private static final int ANSWER_TIMEOUT_MS = 10_000;
    /** A standby waits in the app's bind for as long as it takes: until it takes over a slot (0: no timeout). */
    private static final int STANDBY_TIMEOUT_MS = 0;
    private static final boolean STANDBY = "1".equals(System.getenv(dev.cluster.protocol.Env.STANDBY));
    /** A training start: its bind of the second port is handed over too (to a loopback socket of its own), as its app port's is. */
    private static final boolean TRAINING = "1".equals(System.getenv(dev.cluster.protocol.Env.TRAINING));
    /** Frames that mean "a server socket is being bound" (as opposed to a client's explicit local address). */
    private static final Set<String> JDK_SERVER_BINDS = Set.of("sun.nio.ch.ServerSocketChannelImpl", "java.net.ServerSocket",
            "sun.nio.ch.AsynchronousServerSocketChannelImpl");

    private static volatile Config config;
    /**
     * A standby that has not taken a slot yet. Its app's bind of the second port ({@code --shared-port}) is left
     * alone then: shared, a socket of a process that serves nothing yet would get a share of that port's connections,
     * which would wait. So an app that binds that port before its main one fails to start as a standby (address in
     * use), as its standby log shows; one that binds it once it serves (Spring Boot, Dropwizard) shares it.
     */
    private static volatile boolean standbyWaiting = STANDBY;
    /** Sockets that got SO_REUSEPORT for the app's port and are to be replaced once bound. */
    private static final Map<Object, Boolean> pending = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * @param port          the app's port ({@code PORT})
     * @param sharedPort    the app's second port to share ({@code CLUSTER_SHARED_PORT}), or 0
     * @param workerSocket  the supervisor's worker socket, where the slot's socket is asked for
     * @param handoff       whether to replace the app's socket with the slot's (else only share the port)
     * @param setSocketOption the JDK's {@code sun.nio.ch.Net.setSocketOption(FileDescriptor, SocketOption, Object)}, made accessible
     */
    record Config(int port, int sharedPort, Path workerSocket, boolean handoff, Method setSocketOption) {
    }

    private PortBinds() {
    }

    static void configure(Config c) {
        config = c;
    }

    /**
     * The one entry point of the injected code (called reflectively: it runs inside java.base and
     * Netty, which cannot name this class). {@code event}: {@code tcp-bind} (JDK, before, a =
     * FileDescriptor, port), {@code bound} (JDK, after, a = FileDescriptor), {@code netty-bind} and
     * {@code netty-bound} (a = Netty's Socket, b = its SocketAddress).
     */
    public static void on(String event, Object a, Object b, int port) {
        Config c = config;
        if (c == null) {
            return;
        }
        try {
            switch (event) {
                case "tcp-bind" -> {
                    if (shared(c, port) && calledFromServer(false)) {
                        c.setSocketOption().invoke(null, a, (SocketOption<?>) StandardSocketOptions.SO_REUSEPORT, Boolean.TRUE);
                        if (handedOver(c, port)) {
                            pending.put(a, Boolean.TRUE);
                        }
                    }
                }
                case "bound" -> {
                    if (pending.remove(a) != null && c.handoff()) {
                        adopt(c, NativeSockets.fdOf((FileDescriptor) a));
                    }
                }
                case "netty-bind" -> {
                    if (b instanceof InetSocketAddress address && shared(c, address.getPort()) && calledFromServer(true)) {
                        a.getClass().getMethod("setReusePort", boolean.class).invoke(a, true);
                        if (handedOver(c, address.getPort())) {
                            pending.put(a, Boolean.TRUE);
                        }
                    }
                }
                case "netty-bound" -> {
                    if (pending.remove(a) != null && c.handoff()) {
                        adopt(c, (Integer) a.getClass().getMethod("intValue").invoke(a));
                    }
                }
                default -> {
                    // an event of another agent version: nothing to do
                }
            }
        } catch (Throwable e) {
            System.err.println("cluster agent: port " + c.port() + ": " + event + " hook failed, the app's own socket is used: " + e);
        }
    }

    /** Whether a server's bind of {@code port} gets SO_REUSEPORT: the app's port, and its second one but in a waiting standby. */
    private static boolean shared(Config c, int port) {
        return port == c.port() || port == c.sharedPort() && !standbyWaiting;
    }

    /** Whether a shared socket, once bound, is replaced by one from the supervisor: the app port's, and in a training start both. */
    private static boolean handedOver(Config c, int port) {
        return port == c.port() || TRAINING;
    }

    /**
     * Asks the supervisor for the slot's socket bound like the app's, and puts it in place of the
     * app's. If the supervisor sends none (it says why in its log), the app keeps its own socket.
     */
    private static void adopt(Config c, int fd) throws Exception {
        NativeSockets.Bound bound = NativeSockets.bound(fd);
        if (bound == null) {
            return;
        }
        String host = bound.address().getAddress().getHostAddress();
        byte[] request = Wire.encode(new WorkerMessage.Listen(host, bound.ipv6(), Boolean.TRUE, bound.address().getPort()));
        int[] received;
        // On a Netty app's loop thread (its bind runs there) a standby waits here for minutes: a wait, not a stall.
        LoopProbe.heldOnPurpose(true);
        try {
            received = NativeSockets.receive(c.workerSocket().toString(), request, STANDBY ? STANDBY_TIMEOUT_MS : ANSWER_TIMEOUT_MS);
        } finally {
            LoopProbe.heldOnPurpose(false);
        }
        if (received.length == 0 && STANDBY) {
            // Stopped before it took a worker's place, or its supervisor is gone: it must never serve. It cannot
            // exit as the app would (Spring Boot's shutdown hook waits for the start, which waits here), and
            // it has served nothing: halt, as SIGKILL would after the kill timeout.
            System.err.println("cluster agent: this standby was stopped before it took a worker's place: it exits");
            Runtime.getRuntime().halt(0);
        }
        if (received.length == 0) {
            System.err.println("cluster agent: the supervisor handed over no socket for " + host + ":" + bound.address().getPort()
                    + " (its log says why): the app serves its own socket, shared with SO_REUSEPORT");
            return;
        }
        NativeSockets.adopt(received[0], fd);
        standbyWaiting = false;
        for (int i = 1; i < received.length; i++) {
            NativeSockets.close(received[i]);
        }
    }

    /**
     * Whether the bind comes from a server socket's: one of the JDK's, or for Netty a server channel's.
     * No lambdas or streams: this runs in the app's first bind, interpreted, where each lambda's first
     * linkage costs ~1 ms.
     */
    private static boolean calledFromServer(boolean netty) {
        for (StackTraceElement frame : new Throwable().getStackTrace()) {
            String name = frame.getClassName();
            if (netty ? name.contains("ServerChannel") || name.endsWith("ServerSocketChannel") : JDK_SERVER_BINDS.contains(name)) {
                return true;
            }
        }
        return false;
    }
}
