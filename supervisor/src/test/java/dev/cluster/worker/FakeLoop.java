package dev.cluster.worker;

import java.util.PriorityQueue;

/**
 * The supervisor's loop with a virtual clock: nothing runs until the test says so, then tasks run
 * in time order on the test's thread. Deterministic, and a minute of restarts takes microseconds.
 * A real process's exit may hand it a task from another thread: taking tasks is synchronized.
 */
public final class FakeLoop implements Loop {
    private record Task(long atMs, long order, Runnable body, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.order, b.order));
    private long nowMs;
    private long order;

    @Override
    public void execute(Runnable task) {
        schedule(task, 0);
    }

    @Override
    public synchronized Timer schedule(Runnable task, long delayMs) {
        boolean[] cancelled = {false};
        tasks.add(new Task(nowMs + Math.max(0, delayMs), order++, task, cancelled));
        notifyAll();
        return () -> cancelled[0] = true;
    }

    /** Waits, at most {@code timeoutMs}, until a task is due now: one that another thread (a process's exit) hands it. */
    public synchronized void awaitDueTask(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while ((tasks.isEmpty() || tasks.peek().atMs > nowMs) && System.nanoTime() < deadline) {
            wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
    }

    @Override
    public long nanoTime() {
        return nowMs * 1_000_000;
    }

    public long nowMs() {
        return nowMs;
    }

    /** Runs every task due now, and those they schedule for now. */
    public void runDue() {
        advance(0);
    }

    /** Moves the clock forward, running each task when its time comes. */
    public synchronized void advance(long ms) {
        long until = nowMs + ms;
        while (!tasks.isEmpty() && tasks.peek().atMs <= until) {
            Task t = tasks.poll();
            nowMs = Math.max(nowMs, t.atMs);
            if (!t.cancelled[0]) {
                t.body.run();
            }
        }
        nowMs = until;
    }
}
