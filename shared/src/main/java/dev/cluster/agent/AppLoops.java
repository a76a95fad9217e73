package dev.cluster.agent;

import dev.cluster.telemetry.LoopProbe;
import dev.cluster.telemetry.Telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * The event loops of an app that does not use the library: Netty's (Netty, Vert.x, Reactor Netty, Spring WebFlux) and
 * XNIO's I/O threads (Undertow). Each is watched, as the library's {@code monitor} would, from the moment its thread
 * starts running it ({@link LoopTransformer}). A loop the app never runs never starts a thread for us. Loops that start
 * before the agent's connection to the supervisor (made off the main thread) wait for it here.
 */
public final class AppLoops {
    private static final List<Object> beforeTelemetry = new ArrayList<>();
    /** Null until the agent's telemetry started; unwatched (no supervisor connection, telemetry off): nothing is kept. */
    private static Telemetry telemetry;
    private static boolean unwatched;

    private AppLoops() {
    }

    /** Called on the loop's own thread as it starts running the loop. Never throws: a loop must run whatever happens here. */
    public static void started(Object loop) {
        try {
            Telemetry watching;
            synchronized (AppLoops.class) {
                if (unwatched) {
                    return;
                }
                watching = telemetry;
                if (watching == null) {
                    beforeTelemetry.add(loop);
                    return;
                }
            }
            LoopProbe.monitorThisThread(loop, watching);
        } catch (Throwable e) {
            // the loop goes unwatched; the app runs as it would without us
        }
    }

    /** The agent's telemetry started ({@code null}: it will not): loops that ran before it are watched from now. */
    static void telemetryStarted(Telemetry started) {
        List<Object> waiting;
        synchronized (AppLoops.class) {
            telemetry = started;
            unwatched = started == null;
            waiting = List.copyOf(beforeTelemetry);
            beforeTelemetry.clear();
        }
        if (started != null) {
            LoopProbe.monitorLoops(waiting, started);
        }
    }
}
