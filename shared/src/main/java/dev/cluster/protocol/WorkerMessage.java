package dev.cluster.protocol;

/**
 * A message on the worker socket. Worker to supervisor: {@code hello} (who I am), {@code ready}
 * (serving), {@code metrics} (telemetry of the last second), {@code blocked} (an event loop stall
 * that just ended), and on a connection of its own {@code listen} (send me my slot's listening
 * socket; the answer is the file descriptor itself, over SCM_RIGHTS). Supervisor to worker:
 * {@code shutdown} (drain and exit).
 * A {@code listen} with {@code agent} true comes from the agent of an unmodified app (see {@link #adopt}).
 * <p>
 * A hello with {@code agent} true comes from the telemetry agent of an app that does not use the
 * library: the supervisor takes its reports but keeps judging readiness by the port and stopping
 * the process with SIGTERM. A library app's own hello follows on the same connection.
 */
public record WorkerMessage(int v, String type, String app, Integer workerId, Long pid, String host, Boolean ipv6,
                            Boolean agent, TelemetryReport telemetry, BlockedReport blocked) implements Versioned {
    public static final String HELLO = "hello";
    public static final String READY = "ready";
    public static final String LISTEN = "listen";
    public static final String METRICS = "metrics";
    public static final String BLOCKED = "blocked";
    public static final String SHUTDOWN = "shutdown";

    public static WorkerMessage hello(String app, int workerId, long pid, boolean agent) {
        return new WorkerMessage(Wire.VERSION, HELLO, app, workerId, pid, null, null, agent ? Boolean.TRUE : null, null, null);
    }

    /** Asks for the listening sockets of this worker's slot, bound on {@code host} and the app's port. */
    public static WorkerMessage listen(String host) {
        return new WorkerMessage(Wire.VERSION, LISTEN, null, null, null, host, null, null, null, null);
    }

    /**
     * The agent of an unmodified app asks for its slot's socket to put in place of the one the app
     * just bound: exactly one socket, bound on {@code host} (an address literal) and the app's port,
     * and of the app socket's own family ({@code ipv6}), so that it behaves as the app's would have.
     */
    public static WorkerMessage adopt(String host, boolean ipv6) {
        return new WorkerMessage(Wire.VERSION, LISTEN, null, null, null, host, ipv6, Boolean.TRUE, null, null);
    }

    public static WorkerMessage metrics(TelemetryReport report) {
        return new WorkerMessage(Wire.VERSION, METRICS, null, null, null, null, null, null, report, null);
    }

    public static WorkerMessage blocked(BlockedReport report) {
        return new WorkerMessage(Wire.VERSION, BLOCKED, null, null, null, null, null, null, null, report);
    }

    public static WorkerMessage of(String type) {
        return new WorkerMessage(Wire.VERSION, type, null, null, null, null, null, null, null, null);
    }
}
