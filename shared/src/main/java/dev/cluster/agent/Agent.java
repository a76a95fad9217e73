package dev.cluster.agent;

import dev.cluster.telemetry.Telemetry;
import dev.cluster.protocol.SupervisorLink;
import dev.cluster.agent.bind.PortSharing;
import dev.cluster.protocol.Env;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;

/**
 * The {@code -javaagent} the supervisor adds to every jar app. With no change to the app it
 * <ul>
 * <li>makes the app's bind of its port share the port with the other workers, and take the slot's
 *     listening socket from the supervisor (see {@link dev.cluster.agent.bind.PortBinds});</li>
 * <li>reports JVM lag, heap, the live set after GC, GC, threads, and the pools it finds;</li>
 * <li>watches each Netty event loop and XNIO I/O thread the app runs, as the library's {@code monitor} does: its lag,
 *     and the stack of whatever blocks it (see {@link AppLoops}).</li>
 * </ul>
 * Readiness stays with the port and stopping with SIGTERM, as for any process that does not use
 * the library. Outside a supervisor it does nothing; it never fails the app it rides in, and its
 * threads are daemons, so it never holds a JVM open.
 * <p>
 * Arguments: {@code native=PATH}, the agent's native library (listener handoff needs it).
 */
public final class Agent {
    private Agent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        Path socket = SupervisorLink.socketPath();
        if (socket == null) {
            return;
        }
        shareThePort(args, instrumentation, socket);
        try {
            instrumentation.addTransformer(new PoolTransformer(), true);
            instrumentation.addTransformer(new LoopTransformer(), true);
            EarlyClasses.retransform(instrumentation);
        } catch (LinkageError e) {
            // the app's own copy of the library came first (see shareThePort): its request pools go unreported
        }
        askForPoolFigures();
        // Connect off the main thread: the app's start-up does not wait for us.
        SupervisorLink.daemonThread("cluster-agent-start", () -> {
            try {
                String app = System.getenv().getOrDefault(Env.APP, "unknown");
                int id = Integer.parseInt(System.getenv().getOrDefault(Env.WORKER_ID, "0"));
                AppLoops.telemetryStarted(Telemetry.start(SupervisorLink.connect(socket, app, id)));
            } catch (Throwable e) {
                AppLoops.telemetryStarted(null);
                System.err.println("cluster agent: no telemetry for this worker: " + e);
            }
        }).start();
    }

    /**
     * Asks, through system properties (how to ask without touching the app), for the pool figures that
     * {@link dev.cluster.telemetry.Pools} reads: Spring Boot publishes HikariCP's connection pools as MBeans
     * only when asked to, and jboss-threads' executor (Undertow's XNIO worker pool) counts its busy threads
     * only when asked to (it says -1 otherwise; the count costs an atomic update per task). A property the
     * app's own command line already sets is left as it is.
     */
    private static void askForPoolFigures() {
        for (String property : new String[] {"spring.datasource.hikari.register-mbeans", "jboss.threads.eqe.statistics.active-count"}) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "true");
            }
        }
    }

    /** Before main runs, so that the app's very first bind is already covered. */
    private static void shareThePort(String args, Instrumentation instrumentation, Path socket) {
        int port = portIn(Env.PORT);
        if (port == 0) {
            return; // a worker without a port has nothing to share
        }
        try {
            PortSharing.Status status = PortSharing.install(instrumentation, port, portIn(Env.SHARED_PORT), socket, nativeLibrary(args),
                    !"self".equals(System.getenv(Env.BIND)));
            if (status.mode() == PortSharing.Mode.OFF || (status.mode() == PortSharing.Mode.SHARE && !"--bind self".equals(status.why()))) {
                System.err.println("cluster agent: port " + port + (status.mode() == PortSharing.Mode.OFF
                        ? ": not shared, only one worker can bind it: " : ": shared with SO_REUSEPORT, no listener handoff: ") + status.why());
            }
        } catch (LinkageError e) {
            // The app bundles the cluster library, whose copy of these classes comes first on the
            // class path (without the relocated ASM): such an app takes its sockets from the
            // library's inheritListeners, or binds them itself with SO_REUSEPORT. Nothing to do.
        }
    }

    /** The port in this environment variable ({@code PORT}, or the --shared-port's), or 0 without one. */
    private static int portIn(String variable) {
        try {
            return Integer.parseInt(System.getenv(variable));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Path nativeLibrary(String args) {
        if (args != null) {
            for (String arg : args.split(",")) {
                if (arg.startsWith("native=")) {
                    return Path.of(arg.substring("native=".length()));
                }
            }
        }
        return null;
    }
}
