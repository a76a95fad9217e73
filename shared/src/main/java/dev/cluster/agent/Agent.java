package dev.cluster.agent;

import dev.cluster.protocol.Env;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;

/**
 * The {@code -javaagent} the supervisor adds to every jar app: JVM lag, heap, GC and thread
 * reports with no change to the app. Readiness stays with the port and stopping with SIGTERM,
 * as for any process that does not use the library. Outside a supervisor it does nothing; it
 * never fails the app it rides in, and its threads are daemons, so it never holds a JVM open.
 */
public final class Agent {
    private Agent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        Path socket = SupervisorLink.socketPath();
        if (socket == null) {
            return;
        }
        // Connect off the main thread: the app's start-up does not wait for us.
        SupervisorLink.daemonThread("cluster-agent-start", () -> {
            try {
                String app = System.getenv().getOrDefault(Env.APP, "unknown");
                int id = Integer.parseInt(System.getenv().getOrDefault(Env.WORKER_ID, "0"));
                Telemetry.start(SupervisorLink.connect(socket, app, id));
            } catch (Throwable e) {
                System.err.println("cluster agent: no telemetry for this worker: " + e);
            }
        }).start();
    }
}
