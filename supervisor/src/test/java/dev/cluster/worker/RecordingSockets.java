package dev.cluster.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The socket layer as the lifecycle sees it, recording every call ("serving 0", "quiesce 1"…).
 * Drains complete at once unless the test holds them, to check what waits for them.
 */
public final class RecordingSockets implements SlotSockets {
    public final List<String> calls = new ArrayList<>();
    /** When set, quiesce and promoted return this instead of a completed future. */
    public CompletableFuture<Void> drain;

    private CompletableFuture<Void> drain() {
        return drain != null ? drain : CompletableFuture.completedFuture(null);
    }

    @Override
    public void serving(Slot slot) {
        calls.add("serving " + slot.id());
    }

    @Override
    public void down(Slot slot) {
        calls.add("down " + slot.id());
    }

    @Override
    public String whileDown(Slot slot) {
        return "new connections go to the app's other workers";
    }

    @Override
    public CompletableFuture<Void> promoted(Slot slot) {
        calls.add("promoted " + slot.id());
        return drain();
    }

    @Override
    public CompletableFuture<Void> quiesce(Slot slot) {
        calls.add("quiesce " + slot.id());
        return drain();
    }

    @Override
    public void close(Slot slot) {
        calls.add("close " + slot.id());
    }

    @Override
    public CompletableFuture<Void> released() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public int fd(int id, String host, Boolean ipv6, WorkerProcess holder) {
        calls.add("fd " + id);
        return 100 + id;
    }
}
