package dev.cluster.worker;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's one thread, as the lifecycle code sees it: run a task soon, run one after a
 * delay, read the monotonic clock. Everything about apps, slots and attempts runs on it, one event
 * at a time, so nothing needs a lock. A seam: unit tests drive a fake with a virtual clock.
 */
public interface Loop extends Executor {
    /** Runs {@code task} on the loop after {@code delayMs}; cancelling before then means it never runs. */
    Timer schedule(Runnable task, long delayMs);

    /** Monotonic time (a pause of the machine or a clock step does not move it backwards). */
    long nanoTime();

    interface Timer {
        void cancel();
    }

    /** The real loop: a single-threaded scheduled executor (the daemon's Netty event loop). */
    static Loop of(ScheduledExecutorService executor) {
        return new Loop() {
            @Override
            public void execute(Runnable task) {
                executor.execute(task);
            }

            @Override
            public Timer schedule(Runnable task, long delayMs) {
                ScheduledFuture<?> f = executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }
}
