package dev.cluster.worker;

import dev.cluster.metrics.WorkerTelemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A worker started ahead of need ({@code --standby N}): the app's own command line, told it is a
 * standby ({@code CLUSTER_STANDBY=1}), started as far as it goes before serving and waiting there
 * for its listening socket: the library in {@code inheritListeners}, the agent of an unmodified app
 * in the app's bind of its port. It counts in no slot and serves nothing. When a slot needs a
 * process (a crash of one that had served, a scale-up, a restart), a waiting standby takes it over:
 * it is told its worker id and handed the slot's socket, and serves within milliseconds instead of
 * a JVM's start. Used on the supervisor's loop.
 */
public final class Standby {
    private static final Logger log = LoggerFactory.getLogger(Standby.class);
    private final WorkerProcess process;
    private final long startedNanos;
    /** Its request for its socket, once made: where it wants it, and how to answer. */
    private String host;
    private Boolean ipv6;
    private Consumer<int[]> socketReply;
    /** What its hello said: the library's way to ask it to drain (null for the agent), and how to tell it its id. */
    private Runnable drainRequest;
    private boolean agentHello;
    private IntConsumer assign = id -> { };
    /** What the OS said of it at the last sample (the supervisor's 1 s tick), null before the first. */
    private Double cpuPercent;
    private Long rssBytes;
    /** Samples in a row that found its process stopped (SIGSTOP, a debugger). */
    private int stoppedSamples;
    /** Told to stop: a request for its socket is answered without one (see {@link #release}). */
    private boolean stopping;

    Standby(WorkerProcess process, long startedNanos) {
        this.process = process;
        this.startedNanos = startedNanos;
    }

    public long pid() {
        return process.pid();
    }

    public long startedNanos() {
        return startedNanos;
    }

    WorkerProcess process() {
        return process;
    }

    /** The OS's figures for it: what a standby costs, shown in {@code list} beside the workers', and whether it is stopped. */
    public void sampled(double cpuPercent, long rssBytes, boolean stopped) {
        this.cpuPercent = cpuPercent;
        this.rssBytes = rssBytes;
        stoppedSamples = stopped ? stoppedSamples + 1 : 0;
    }

    /** Whether its process is paused, as a worker's is ({@link WorkerTelemetry#paused}): a paused standby would take a slot over and serve nothing. */
    public boolean paused() {
        return WorkerTelemetry.pausedAfter(stoppedSamples);
    }

    public Double cpuPercent() {
        return cpuPercent;
    }

    public Long rssBytes() {
        return rssBytes;
    }

    /** Whether it waits for its socket: started as far as it goes. */
    public boolean waiting() {
        return socketReply != null;
    }

    /** It asked for its listening socket (bound on {@code host}, of the family {@code ipv6}); {@code reply} sends it. */
    public void asked(String host, Boolean ipv6, Consumer<int[]> reply) {
        this.host = host;
        this.ipv6 = ipv6;
        this.socketReply = reply;
        if (stopping) {
            release();
        }
    }

    /**
     * Its hello on the worker socket: the agent's, or the library's ({@code drainRequest} asks it to
     * drain; {@code assign} tells it its worker id).
     */
    public void hello(boolean agent, Runnable drainRequest, IntConsumer assign) {
        if (agent) {
            agentHello = true;
        } else {
            this.drainRequest = drainRequest;
            this.assign = assign;
        }
    }

    /**
     * Hands it {@code slot}'s socket, with which it serves at once: the first thing done when it takes
     * a slot over ({@link #takeOver} does it if this was not done before). Its output goes to the
     * slot's worker's log from now on: its first line as the worker comes after the socket.
     *
     * @throws IOException when the slot's socket cannot be had (the standby is then of no use)
     */
    void handSocket(Slot slot) throws IOException {
        if (socketReply == null) {
            return; // handed already
        }
        int fd = slot.app().sockets().fd(slot.id(), host == null ? "127.0.0.1" : host, ipv6, process);
        process.assignedTo(slot.id());
        Consumer<int[]> reply = socketReply;
        socketReply = null;
        reply.accept(new int[] {fd});
    }

    /**
     * Becomes {@code slot}'s process {@code attempt}: handed the slot's socket if it was not yet, told
     * its id, and its hello replayed as the worker's.
     *
     * @throws IOException when the slot's socket cannot be had (the standby is then of no use)
     */
    void takeOver(Slot slot, Attempt attempt) throws IOException {
        handSocket(slot);
        assign.accept(slot.id());
        if (agentHello) {
            attempt.onAgentHello();
        }
        if (drainRequest != null) {
            attempt.onHello(drainRequest);
        }
    }

    /**
     * Its request for a socket answered without one, which ends it at once: the agent, and the
     * library's {@code inheritListeners}, exit. SIGTERM alone may never end it: Spring Boot's
     * shutdown hook waits for the start, which waits in the bind for this answer.
     */
    private void release() {
        Consumer<int[]> reply = socketReply;
        socketReply = null;
        reply.accept(new int[0]);
    }

    /**
     * Its request for a socket answered without one ({@link #release}), SIGTERM (to one still starting), and SIGKILL
     * once {@code killTimeoutMs} has passed. Completes when its process is gone.
     */
    CompletableFuture<Integer> stop(Loop loop, long killTimeoutMs, String app) {
        stopping = true;
        if (socketReply != null) {
            release();
        }
        process.terminate();
        Loop.Timer kill = loop.schedule(() -> {
            log.warn("{}: standby pid {} did not exit within the kill timeout of {} ms: sending SIGKILL", app, pid(), killTimeoutMs);
            process.kill();
        }, killTimeoutMs);
        return process.exited().whenComplete((status, failure) -> kill.cancel());
    }
}
