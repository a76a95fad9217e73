package dev.cluster.protocol;

/**
 * A message on the worker socket. Worker to supervisor: {@code hello} (who I am), {@code ready}
 * (serving). Supervisor to worker: {@code shutdown} (drain and exit).
 */
public record WorkerMessage(int v, String type, String app, Integer workerId, Long pid) implements Versioned {
    public static final String HELLO = "hello";
    public static final String READY = "ready";
    public static final String SHUTDOWN = "shutdown";

    public static WorkerMessage hello(String app, int workerId, long pid) {
        return new WorkerMessage(Wire.VERSION, HELLO, app, workerId, pid);
    }

    public static WorkerMessage of(String type) {
        return new WorkerMessage(Wire.VERSION, type, null, null, null);
    }
}
