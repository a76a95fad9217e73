package dev.cluster.worker;

import java.util.concurrent.CompletableFuture;

/**
 * What a slot's lifecycle tells the app's listening sockets, so that no connection the kernel
 * queued is ever reset: the socket layer ({@code reload.ListeningSockets}) steers the kernel away
 * from a socket before its process is asked to go, and closes a socket only once nothing will
 * accept on it. A seam: unit tests use one that records the calls.
 */
public interface SlotSockets {
    /** The slot's process is ready: new connections may go to its socket. */
    void serving(Slot slot);

    /** The slot's process died or is paused: new connections go to the others until it serves again. */
    void down(Slot slot);

    /** For a slot that is {@link #down}: where new connections go meanwhile, in words for the log and {@code describe}. */
    String whileDown(Slot slot);

    /**
     * A reload's replacement took over: its socket gets new connections; completes when nothing
     * is queued on the old one any more, so the old process can be asked to drain.
     */
    CompletableFuture<Void> promoted(Slot slot);

    /** Before a deliberate stop: no new connections to the slot; completes when its queue is empty. */
    CompletableFuture<Void> quiesce(Slot slot);

    /**
     * Stopped, errored or gone: the slot's sockets are closed, each once the processes handed a copy
     * have exited (a reload's old one still draining, a crashed one not yet reaped).
     */
    void close(Slot slot);

    /**
     * Completes once every socket {@link #close} put off is closed: until then the port's group still
     * holds it, and an app started on the port would find a socket that is not its own there.
     */
    CompletableFuture<Void> released();

    /**
     * The slot's listening socket for {@code holder}, a process that takes it over (a standby), bound
     * on first use on {@code host} with the family {@code ipv6} (null: the machine's preference). The
     * caller sends a copy and never closes it.
     */
    int fd(int id, String host, Boolean ipv6, WorkerProcess holder) throws java.io.IOException;

}
