package dev.cluster.worker;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One running worker process, as an attempt sees it. A seam: the real one is an OS process
 * ({@link OsProcesses}); unit tests use fakes that exit, say ready or ignore signals on command.
 */
public interface WorkerProcess {
    long pid();

    /** Completes, on any thread, with the exit status (128 + N for death by signal N) once its output is read to the end. */
    CompletableFuture<Integer> exited();

    /** SIGTERM. */
    void terminate();

    /** SIGKILL. */
    void kill();

    /** Sends a signal by name ({@code QUIT}, {@code HUP}…); completes when it was delivered, exceptionally if not. */
    CompletableFuture<Void> signal(String name);

    /**
     * The pid of what listens on the TCP port: this process, or a child it started (a start script's server); 0 while nothing
     * does. The readiness of a program without the library.
     */
    long listenerOn(int port);

    /** Its last lines of stderr, as written. */
    List<String> lastErrLines();

    /** Its last lines of stdout. */
    List<String> lastOutLines();

    /** Whether any line it wrote said the port it binds was taken (not only its last lines: a stack trace may follow). */
    boolean saidAddressInUse();

    /** Why its output is being dropped (its log file cannot be written), or null while it is written. */
    String outputDropped();

    /**
     * For a process started from a jar: if that jar was overwritten in place since it started ({@link JarStamp}), which
     * jar and when that was first seen; else null. A check of the file each time until it is seen.
     */
    default String jarOverwritten() {
        return null;
    }

    /**
     * It is ready (serving): its JVM's start is over, and what waits for that runs now (whether it used its start-up
     * archive, {@link StartCache#check}).
     */
    default void ready() {
    }

    /** A standby becomes worker {@code workerId}: what it writes from now on goes to that worker's log files. */
    void assignedTo(int workerId);

    /** Whether it started from a start-up archive, in words for {@code describe}; null for a process that could not. */
    String startCache();

    /**
     * How many workers its JVM's share of the machine ({@link Share}) was reckoned for when it started (a jar app); 0 if it
     * was given none. A process keeps that share for life: after a scale it differs from the app's until a reload.
     */
    int sharedAmong();
}
