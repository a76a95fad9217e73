package dev.cluster.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/**
 * One reload of a slot, from its new process's start until its old one has exited. The new process
 * ({@code incoming}) starts beside the serving one; once it is ready it serves the slot and the old
 * one drains ({@code retiring}). If the new one exits, or is not ready in time, it is given up and
 * the old one keeps serving. The slot keeps its state machine and the serving process; this keeps
 * the other two processes, the reload's timings and its outcome. Runs on the loop, as the slot does.
 */
final class Replacement {
    private static final Logger log = LoggerFactory.getLogger(Replacement.class);

    private final String slotName;
    private final CompletableFuture<Slot.Replaced> outcome = new CompletableFuture<>();
    private final long startedNanos;
    private Attempt incoming;
    private Attempt retiring;
    private long readyNanos;

    Replacement(String slotName, Attempt incoming, long startedNanos) {
        this.slotName = slotName;
        this.incoming = incoming;
        this.startedNanos = startedNanos;
    }

    /** Completes once the old process has exited; fails if the new one was given up or exited before it was ready. */
    CompletableFuture<Slot.Replaced> outcome() {
        return outcome;
    }

    /** The new process until it is ready, else null. */
    Attempt incoming() {
        return incoming;
    }

    /** The old process from the moment the new one took over until it exits, else null. */
    Attempt retiring() {
        return retiring;
    }

    /** The new process is ready and serves the slot from now on: {@code old} drains. Returns the new one. */
    Attempt promote(Attempt old, long nowNanos) {
        Attempt ready = incoming;
        incoming = null;
        retiring = old;
        readyNanos = nowNanos;
        return ready;
    }

    /**
     * The new process is given up ({@code why}: not ready in time, its worker stopped or crashed): killed at once; the reload
     * fails. {@code stopped}: its worker was stopped on purpose (stop, delete, kill), an info line then, not a warning.
     */
    void abandon(String why, boolean stopped) {
        Attempt gone = incoming;
        incoming = null;
        if (stopped) {
            log.info("{} replacement pid {} {}; killed", slotName, gone.pid(), why);
        } else {
            log.warn("{} replacement pid {} {}; killed", slotName, gone.pid(), why);
        }
        gone.kill();
        outcome.completeExceptionally(new LaunchFailure(slotName + " replacement " + why,
                ExitOutput.of(gone.process().lastErrLines(), gone.process().lastOutLines())));
    }

    /** The new process exited before it was ready ({@code exit}: how): the reload fails, and {@code serving} keeps serving. */
    void exitedBeforeReady(String exit, ExitOutput output, Attempt serving) {
        log.warn("{} replacement pid {} {} before it was ready; pid {} keeps serving", slotName, incoming.pid(), exit, serving.pid());
        incoming = null;
        outcome.completeExceptionally(new LaunchFailure(slotName + " replacement " + exit + " before it was ready", output));
    }

    /** The old process has exited: the reload is done. */
    void retired(long nowNanos) {
        retiring = null;
        outcome.complete(new Slot.Replaced((readyNanos - startedNanos) / 1_000_000, (nowNanos - readyNanos) / 1_000_000));
    }
}
