package dev.cluster.protocol;

/**
 * A message on the worker socket. Worker to supervisor: {@code hello} (who I am), {@code ready}
 * (serving), and on a connection of its own {@code listen} (send me my slot's listening socket; the
 * answer is the file descriptor itself, over SCM_RIGHTS). Supervisor to worker: {@code shutdown}
 * (drain and exit).
 */
public record WorkerMessage(int v, String type, String app, Integer workerId, Long pid, String host) implements Versioned {
    public static final String HELLO = "hello";
    public static final String READY = "ready";
    public static final String LISTEN = "listen";
    public static final String SHUTDOWN = "shutdown";

    public static WorkerMessage hello(String app, int workerId, long pid) {
        return new WorkerMessage(Wire.VERSION, HELLO, app, workerId, pid, null);
    }

    /** Asks for the listening socket of this worker's slot, bound on {@code host} and the app's port. */
    public static WorkerMessage listen(String host) {
        return new WorkerMessage(Wire.VERSION, LISTEN, null, null, null, host);
    }

    public static WorkerMessage of(String type) {
        return new WorkerMessage(Wire.VERSION, type, null, null, null, null);
    }
}
