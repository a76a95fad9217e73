package dev.cluster.daemon;

import dev.cluster.protocol.WorkerMessage;
import dev.cluster.sockets.NativeSockets;
import dev.cluster.worker.Loop;
import dev.cluster.worker.ProcessGroups;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongConsumer;

/**
 * The workers' death watches (the worker's side: {@code dev.cluster.protocol.DeathWatch}). For each
 * worker that armed one, a thread waits on a pidfd of the watch's child; when the child dies, the
 * loop is told the worker is dying once that is sure: the worker's thread that started the child is
 * gone (a child killed by someone else leaves a live worker, from which nothing may take over).
 * A standby then takes over 10-40 ms (on this VM) before the worker's exit is reaped. Used on the loop; the
 * pidfds are closed and signalled only there, so a number is never used after its close.
 */
final class DeathWatches {
    private static final Logger log = LoggerFactory.getLogger(DeathWatches.class);
    /** How long after its child's exit the worker's watching thread may still be listed (exiting on another core). */
    private static final long CONFIRM_WITHIN_MS = 20;
    private static final long WATCH_THREAD_STACK = 64 * 1024;

    private final Loop loop;
    private final LongConsumer dying;
    /** Each watched worker's pid, and the pidfd of its watch's child. */
    private final Map<Long, Integer> pidfds = new HashMap<>();

    /** @param dying called on the loop with the pid of a worker that is dying */
    DeathWatches(Loop loop, LongConsumer dying) {
        this.loop = loop;
        this.dying = dying;
    }

    /** Worker {@code workerPid} says its watch is armed. Checked first: the child must be its, the thread one of its. */
    void watch(long workerPid, WorkerMessage.Watch watch) {
        if (!NativeSockets.available() || watch.pid() == null || watch.thread() == null || pidfds.containsKey(workerPid)) {
            return; // one watch per worker: what a worker sends is bounded
        }
        long child = watch.pid();
        long thread = watch.thread();
        long childsParent = parentOf(child);
        Found found = found(workerPid, childsParent, Files.exists(task(workerPid, thread)), ProcessGroups.dyingOrGone(workerPid));
        if (found == Found.FOREIGN) {
            log.warn("pid {}: its death watch names child {}, a process of pid {}'s: not watched", workerPid, child, childsParent);
        }
        if (found != Found.OWN) {
            return;
        }
        int pidfd;
        try {
            pidfd = NativeSockets.pidfd(child);
        } catch (IOException e) {
            return; // gone already, or a kernel before 5.3: the exit is noticed as it is reaped
        }
        if (parentOf(child) != workerPid) { // the number was taken by another process just before the pidfd
            NativeSockets.close(pidfd);
            return;
        }
        pidfds.put(workerPid, pidfd);
        Thread waiter = new Thread(null, () -> {
            try {
                NativeSockets.awaitExit(pidfd);
            } catch (IOException e) {
                log.warn("pid {}: its death watch failed: {}", workerPid, e.getMessage());
            }
            try {
                loop.execute(() -> fired(workerPid, thread));
            } catch (RejectedExecutionException e) {
                // the supervisor has exited its loop: nothing is left to tell
            }
        }, "death-watch-" + workerPid, WATCH_THREAD_STACK);
        waiter.setDaemon(true);
        waiter.start();
    }

    /** What a worker's watch names, as found when its message is read. */
    enum Found {
        /** Its own child, and a thread of its own: watched. */
        OWN,
        /**
         * The child or the thread is gone, or the worker is: it was stopped or died as its message was read (seen in a fuzz:
         * the child dies with the thread that started it, which ends as the JVM shuts down). Nothing to watch, nothing wrong.
         */
        ENDED,
        /** A live process of someone else's: a worker that names it would have us take over when that one dies. */
        FOREIGN
    }

    /** @param childsParent the named child's parent pid, -1 when it is gone */
    static Found found(long workerPid, long childsParent, boolean threadListed, boolean workerDyingOrGone) {
        if (childsParent == workerPid && threadListed) {
            return Found.OWN;
        }
        // A dying worker's child is given to another parent (a subreaper, init) before it dies of its parent's death.
        return childsParent == -1 || !threadListed || workerDyingOrGone ? Found.ENDED : Found.FOREIGN;
    }

    /**
     * The worker's connection closed: it exits, or did. Its watch's child is killed if it still runs,
     * which it does only if the worker died while arming it (before the child had asked to die with it).
     */
    void release(long workerPid) {
        Integer pidfd = pidfds.get(workerPid);
        if (pidfd != null) {
            NativeSockets.killPidfd(pidfd);
        }
    }

    /** Worker {@code workerPid}'s watch's child has exited: {@code thread}, the worker's thread that started it, should be gone. */
    void fired(long workerPid, long thread) {
        Integer pidfd = pidfds.remove(workerPid);
        if (pidfd != null) {
            NativeSockets.close(pidfd);
        }
        confirm(workerPid, thread, loop.nanoTime() + CONFIRM_WITHIN_MS * 1_000_000);
    }

    private void confirm(long workerPid, long thread, long deadlineNanos) {
        // A worker whose process is exiting is dying, though its thread is still listed: a JVM's exit on a starved machine
        // took longer than the wait below (seen in a fuzz: a drained worker's exit warned of a child "killed by someone else").
        if (!Files.exists(task(workerPid, thread)) || ProcessGroups.dyingOrGone(workerPid)) {
            dying.accept(workerPid);
        } else if (loop.nanoTime() < deadlineNanos) {
            loop.schedule(() -> confirm(workerPid, thread, deadlineNanos), 1);
        } else {
            log.warn("pid {}: its death watch's child exited, but the worker lives (the child was killed by someone else);"
                    + " its death will be noticed at its exit", workerPid);
        }
    }

    private static Path task(long pid, long thread) {
        return Path.of("/proc", Long.toString(pid), "task", Long.toString(thread));
    }

    /** The parent pid of a process, or -1 when it is gone. */
    private static long parentOf(long pid) {
        return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
    }
}
