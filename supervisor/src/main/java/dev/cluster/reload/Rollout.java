package dev.cluster.reload;

import dev.cluster.worker.App;
import dev.cluster.worker.LaunchFailure;
import dev.cluster.worker.Loop;
import dev.cluster.worker.Slot;
import dev.cluster.worker.SlotState;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Changing an app's processes, one named operation each: a reload replaces every slot's process
 * without downtime, a scale adds or drains slots, a restart stops and starts slots, and the memory
 * guard replaces one process. Every step reports progress; the first failure stops a reload, and what
 * was not replaced keeps serving.
 * What a single slot does (a new process beside the old, the old steered away from and drained) is
 * {@link Slot#replace}; this class decides the order.
 */
public final class Rollout {
    private final Loop loop;

    public Rollout(Loop loop) {
        this.loop = loop;
    }

    /** Every slot of the app, {@code parallel} at a time in id order. Stops at the first replacement that fails, or at a stop of the app. */
    public CompletableFuture<Void> reload(App app, int parallel, Consumer<String> progress) {
        List<Slot> slots = List.copyOf(app.slots());
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int first = 0; first < slots.size(); first += parallel) {
            List<Slot> batch = slots.subList(first, Math.min(slots.size(), first + parallel));
            chain = chain.thenComposeAsync(done -> {
                if (app.preemptedBy() != null) {
                    throw new CompletionException(cameFirst(app, "; " + batch.get(0).name() + " and the workers after it were not replaced"));
                }
                return allOf(batch.stream().map(s -> replace(s, slots.size(), "reload", progress)).toList());
            }, loop);
        }
        return chain;
    }

    /**
     * One slot: replaced without downtime if it serves; restarted in place if it does not (a crashed
     * or stopped slot has nothing to keep up, and a replacement would race its own restart).
     */
    public CompletableFuture<Void> replace(Slot slot, int total, String why, Consumer<String> progress) {
        String step = slot.app().name() + " worker " + (slot.id() + 1) + "/" + total;
        if (slot.state() != SlotState.ONLINE) {
            String was = slot.state().label();
            return slot.stop(why).thenComposeAsync(stopped -> startAgain(slot, why + " of a worker that was " + was), loop)
                    .thenRun(() -> progress.accept(step + " started (it was " + was + ")"));
        }
        long oldPid = slot.pid();
        return slot.replace(why + ", replacing pid " + oldPid).handle((done, failure) -> {
            if (failure != null) {
                // A replacement that failed at bind beside its old process: the app cannot share its port.
                String cause = slot.lastExitSaidAddressInUse() ? SharingProbe.check(slot.app()).map(SharingProbe.NotShared::reason).orElse(reason(failure))
                        : reason(failure);
                // A crash of the serving worker gave the replacement up: the cause says so, and the slot restarts as after any crash.
                String slotNow = slot.state() != SlotState.ONLINE ? "; " + slot.name() + " is " + slot.state().label()
                        : slot.pid() != null ? "; " + slot.name() + " keeps serving with pid " + slot.pid() : "";
                throw new CompletionException(new LaunchFailure(cause + slotNow, output(failure)));
            }
            progress.accept(String.format("%s ready in %.1f s, old drained in %.1f s", step, done.readyMs() / 1e3, done.drainedMs() / 1e3));
            return null;
        });
    }

    /**
     * Each slot started in a turn of the loop of its own, one after the other, each online in its own time. A spawn takes
     * 10-30 ms on a busy machine: hundreds of them in one turn would hold the loop for seconds, and a CLI waiting on it
     * would give up for want of its heartbeat. Each turn is a timer's, since the loop runs due timers (the heartbeat's
     * among them) in the order they fell due; a task queued now would run only after every task queued before it.
     * A stop or delete meanwhile ends it ({@link App#yieldTo}): the slots not started yet stay stopped.
     */
    public CompletableFuture<Void> start(List<Slot> slots, String why) {
        List<CompletableFuture<Void>> online = new ArrayList<>();
        CompletableFuture<Void> turn = CompletableFuture.completedFuture(null);
        for (Slot slot : slots) {
            CompletableFuture<CompletableFuture<Void>> spawned = turn.thenCompose(previous -> {
                CompletableFuture<CompletableFuture<Void>> itsTurn = new CompletableFuture<>();
                loop.schedule(() -> itsTurn.complete(startOrFailure(slot, why)), 0);
                return itsTurn;
            });
            online.add(spawned.thenCompose(up -> up));
            turn = spawned.thenAccept(up -> { });
        }
        // Not before every slot had its turn, even once one failed: the operation owns the app until then, so a delete that
        // follows the answer finds no start still to come.
        return turn.thenCompose(allHadTheirTurn -> allOf(online));
    }

    /** A slot's start in its turn; a throw fails it, so that the start answers rather than waiting for ever. */
    private static CompletableFuture<Void> startOrFailure(Slot slot, String why) {
        try {
            return startUnlessPreempted(slot, why, "was not started");
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Sets the number of slots: new ones start and count once online; leaving ones (the highest
     * ids) are steered away from, drain what is queued for them, then stop and are forgotten.
     */
    public CompletableFuture<Void> scale(App app, int wanted) {
        int current = app.slots().size();
        List<CompletableFuture<Void>> changes = new ArrayList<>();
        List<Slot> added = new ArrayList<>();
        for (int id = current; id < wanted; id++) {
            added.add(app.addSlot());
        }
        changes.add(start(added, "scale up to " + wanted));
        for (int id = current - 1; id >= wanted; id--) {
            changes.add(app.slots().get(id).stop("scale down to " + wanted));
        }
        return allOf(changes).whenCompleteAsync((done, failure) -> {
            if (app.slots().size() > wanted && app.slots().subList(wanted, app.slots().size()).stream().noneMatch(s -> s.state().hasProcess())) {
                app.truncate(wanted);
            }
        }, loop);
    }

    /** Each slot stopped, then started again, all side by side. */
    public List<CompletableFuture<Void>> restart(List<Slot> slots, String why) {
        return slots.stream().map(s -> s.stop(why).thenComposeAsync(stopped -> startAgain(s, why), loop)).toList();
    }

    /**
     * A slot this stopped, started again (a reload, a restart, a memory replacement), unless a stop or delete of its app came
     * meanwhile ({@link App#yieldTo}): then it stays stopped (a deleted app's slot started again ran a process no app knew,
     * crash-looping out of sight).
     */
    private static CompletableFuture<Void> startAgain(Slot slot, String why) {
        return startUnlessPreempted(slot, why, "was not started again");
    }

    private static CompletableFuture<Void> startUnlessPreempted(Slot slot, String why, String notDone) {
        return slot.app().preemptedBy() == null ? slot.start(why)
                : CompletableFuture.failedFuture(cameFirst(slot.app(), ": " + slot.name() + " " + notDone));
    }

    /** The stop or delete that ended the operation under way on {@code app}, then what it left undone. */
    private static IllegalStateException cameFirst(App app, String leftUndone) {
        return new IllegalStateException("'cluster " + app.preemptedBy() + "' came first" + leftUndone);
    }

    /**
     * A process over its memory limit is replaced as a reload replaces it; if no replacement gets
     * ready (an app that never listens cannot show it is), it is restarted instead: the limit holds either way.
     */
    public CompletableFuture<Void> replaceOverMemory(Slot slot, String why, Consumer<String> progress) {
        return replace(slot, slot.app().slots().size(), why, progress).handleAsync((done, failure) -> {
            if (failure == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (slot.app().preemptedBy() != null) {
                return CompletableFuture.<Void>failedFuture(failure); // a stop of the app: a restart would undo it
            }
            progress.accept(slot.name() + ": no replacement got ready (" + reason(failure) + "): restarting it instead");
            return slot.stop(why).thenComposeAsync(stopped -> startAgain(slot, why), loop); // a stop may come while it drains
        }, loop).thenCompose(restarted -> restarted);
    }

    /** Completes when all complete, or exceptionally as soon as one fails. */
    public static CompletableFuture<Void> allOf(List<CompletableFuture<Void>> futures) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            if (e == null) {
                all.complete(null);
            }
        });
        futures.forEach(f -> f.whenComplete((v, e) -> {
            if (e != null) {
                all.completeExceptionally(e);
            }
        }));
        return all;
    }

    /** The cause of a failed future, unwrapped. */
    public static Throwable cause(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String reason(Throwable failure) {
        return cause(failure) instanceof LaunchFailure lf ? lf.reason() : cause(failure).getMessage();
    }

    private static dev.cluster.worker.ExitOutput output(Throwable failure) {
        return cause(failure) instanceof LaunchFailure lf ? lf.output() : dev.cluster.worker.ExitOutput.NONE;
    }
}
