package dev.cluster.daemon;

import dev.cluster.protocol.WorkerMessage;
import dev.cluster.sockets.NativeLibraryForTests;
import dev.cluster.worker.Loop;
import dev.cluster.worker.Zombie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supervisor's side of a death watch against the real kernel, with this test's JVM as the
 * worker: a child of its own (as a worker's watch starts one) watched through a pidfd, and a thread
 * of its own as the watch's thread.
 */
class DeathWatchesTest {
    private static final long SELF = ProcessHandle.current().pid();

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final CompletableFuture<Long> dying = new CompletableFuture<>();
    private final DeathWatches watches = new DeathWatches(Loop.of(executor), dying::complete);
    private Process child;

    @BeforeAll
    static void loadTheNativeLibrary() throws Exception {
        NativeLibraryForTests.loadOrSkip();
    }

    @AfterEach
    void stop() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor();
        }
        executor.shutdownNow();
    }

    private void onLoop(Runnable task) throws Exception {
        CompletableFuture.runAsync(task, executor).get(10, TimeUnit.SECONDS);
    }

    /**
     * The worker's connection closed while its watch's child still ran (it died while arming it): the
     * release kills the child, the watch fires, and with the watch's thread gone the worker is dying.
     */
    @Test
    void aReleaseKillsTheChildAndTheWorkerWhoseThreadIsGoneIsDying() throws Exception {
        child = new ProcessBuilder("sleep", "600").start();
        CountDownLatch end = new CountDownLatch(1);
        CompletableFuture<Long> threadId = new CompletableFuture<>();
        Thread watchThread = new Thread(() -> {
            try {
                // "<pid>/task/<tid>": the kernel's number for this thread, which the JDK 17 does not give
                threadId.complete(Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString()));
                end.await();
            } catch (Exception e) {
                threadId.completeExceptionally(e);
            }
        }, "the-watch-thread");
        watchThread.start();
        long thread = threadId.get(10, TimeUnit.SECONDS);

        onLoop(() -> watches.watch(SELF, new WorkerMessage.Watch(child.pid(), thread)));
        end.countDown();
        watchThread.join();
        onLoop(() -> watches.release(SELF));

        assertTrue(child.waitFor(10, TimeUnit.SECONDS), "the release killed the watch's child");
        assertEquals(SELF, dying.get(10, TimeUnit.SECONDS), "the watch fired, and the worker was reported dying");
    }

    /**
     * Seen in a fuzz on a starved machine: a worker's exit outlasted the wait for its watch's thread to leave, and a drained
     * worker was warned of as a live one whose child "was killed by someone else". A worker whose process is exiting is
     * dying, though its thread is still listed: a zombie stands for it (its only thread stays listed until its reap).
     */
    @Test
    void aWorkerThatIsExitingIsDyingThoughItsWatchThreadIsStillListed() throws Exception {
        try (Zombie exiting = new Zombie()) {
            assertTrue(Files.exists(Path.of("/proc/" + exiting.pid() + "/task/" + exiting.pid())), "its thread is listed");
            onLoop(() -> watches.fired(exiting.pid(), exiting.pid()));
            assertEquals(exiting.pid(), dying.get(10, TimeUnit.SECONDS));
        }
    }

    /**
     * Seen in a fuzz: "its death watch (child …, thread …) is not its own" for workers stopped while they started, whose
     * message was read after their watch had ended. Only a live worker naming a live process of another's is a warning.
     */
    @Test
    void aWatchThatEndedBeforeItsMessageWasReadIsNoForgery() {
        long worker = 100;
        assertEquals(DeathWatches.Found.OWN, DeathWatches.found(worker, worker, true, false));
        assertEquals(DeathWatches.Found.ENDED, DeathWatches.found(worker, -1, true, false), "the child died with its thread");
        assertEquals(DeathWatches.Found.ENDED, DeathWatches.found(worker, worker, false, false), "the thread ended as the JVM shut down");
        assertEquals(DeathWatches.Found.ENDED, DeathWatches.found(worker, 1, true, true), "a dying worker's child, reparented");
        assertEquals(DeathWatches.Found.FOREIGN, DeathWatches.found(worker, 4242, true, false), "a live worker naming another's process");
    }
}
