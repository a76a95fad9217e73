package dev.cluster.reload;

import dev.cluster.protocol.AppSpec;
import dev.cluster.worker.App;
import dev.cluster.worker.FakeLoop;
import dev.cluster.worker.FakeProcess;
import dev.cluster.worker.FakeProcesses;
import dev.cluster.worker.RecordingSockets;
import dev.cluster.worker.Slot;
import dev.cluster.worker.SlotState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reload and scale as the order of slot operations they are, in virtual time. */
class RolloutTest {
    final FakeLoop loop = new FakeLoop();
    final FakeProcesses processes = new FakeProcesses();
    final RecordingSockets sockets = new RecordingSockets();
    final Rollout rollout = new Rollout(loop);
    final List<String> progress = new ArrayList<>();

    /** An app of {@code n} workers, all online (their processes listen as soon as they start). */
    App online(int n) {
        return online(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(n).build());
    }

    App online(AppSpec spec) {
        processes.onStart = p -> p.listening = true;
        App app = new App(spec, sockets, loop, processes, (slot, state) -> { });
        app.slots().forEach(s -> s.start("start"));
        loop.advance(100);
        assertTrue(app.slots().stream().allMatch(s -> s.state() == SlotState.ONLINE));
        return app;
    }

    @Test
    void aReloadReplacesOneWorkerAtATimeInIdOrder() {
        App app = online(2);
        List<FakeProcess> old = List.copyOf(processes.started);
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.runDue();
        assertEquals(3, processes.started.size(), "one replacement at a time");
        loop.advance(100);
        assertEquals(List.of("TERM"), old.get(0).received);
        assertTrue(old.get(1).received.isEmpty(), "worker 1 is replaced after worker 0");
        loop.advance(100);
        assertEquals(4, processes.started.size());
        loop.advance(100);
        assertTrue(reload.isDone() && !reload.isCompletedExceptionally());
        assertEquals(2, progress.size());
        assertTrue(progress.get(0).startsWith("web worker 1/2 ready in"), progress.get(0));
        assertTrue(app.slots().stream().allMatch(s -> s.restarts() == 1 && s.state() == SlotState.ONLINE));
    }

    @Test
    void aReloadStopsAtTheFirstReplacementThatFailsAndTheRestKeepServing() {
        App app = online(2);
        long pid1 = app.slots().get(1).pid();
        processes.onStart = p -> p.exit(1);
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.runDue();
        assertTrue(reload.isCompletedExceptionally());
        String message = reload.handle((v, e) -> Rollout.cause(e).getMessage()).join();
        assertTrue(message.contains("web:0 replacement exited with code 1 before it was ready; web:0 keeps serving with pid 1000"), message);
        assertEquals(pid1, app.slots().get(1).pid(), "worker 1 was not touched");
        assertEquals(3, processes.started.size());
    }

    /**
     * 'cluster stop' while the reload waits for worker 0's old process to drain (it ignores SIGTERM: the kill timeout):
     * the reload ends there, and worker 1, stopped, is not started again as a reload starts a stopped worker.
     */
    @Test
    void aStopOfTheAppEndsItsReloadAndNoWorkerComesBack() {
        App app = online(2);
        processes.started.forEach(p -> p.ignoresTerm = true);
        app.begin(App.Operation.RELOAD);
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.advance(100);
        assertEquals(List.of("TERM"), processes.started.get(0).received, "worker 0's replacement serves, its old process drains");

        App.yieldTo("stop", List.of(app));
        app.slots().forEach(s -> s.stop("stop requested"));
        loop.advance(app.spec().killTimeoutMs() + 1_000);
        assertTrue(reload.isCompletedExceptionally());
        String message = reload.handle((v, e) -> Rollout.cause(e).getMessage()).join();
        assertEquals("'cluster stop' came first; web:1 and the workers after it were not replaced", message);
        assertEquals(3, processes.started.size(), "nothing started after the stop");
        assertTrue(app.slots().stream().allMatch(s -> s.state() == SlotState.STOPPED), app.slots().toString());
    }

    @Test
    void aScaleUnderWayRefusesAStopAndMarksNoOtherApp() {
        App reloading = online(1);
        reloading.begin(App.Operation.RELOAD);
        App scaling = new App(AppSpec.builder().name("api").cwd("/").command(List.of("server")).build(), sockets, loop, processes, (slot, state) -> { });
        scaling.begin(App.Operation.SCALE);
        assertThrows(App.Busy.class, () -> App.yieldTo("stop", List.of(reloading, scaling)));
        assertNull(reloading.preemptedBy(), "the stop was refused as a whole");
        App.yieldTo("stop", List.of(reloading));
        assertEquals("stop", reloading.preemptedBy());
    }

    /** Its output is introduced once, at the end, where the lines follow: not also before "keeps serving". */
    @Test
    void aFailedReplacementsMessageIntroducesItsOutputOnceAtTheEnd() {
        App app = online(1);
        processes.onStart = p -> {
            p.out.add("cannot connect to the queue");
            p.exit(1);
        };
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.runDue();
        String message = reload.handle((v, e) -> Rollout.cause(e).getMessage()).join();
        assertEquals("web:0 replacement exited with code 1 before it was ready; web:0 keeps serving with pid 1000; its last lines on stdout:", message);
    }

    @Test
    void aReloadOfAWorkerThatIsNotServingRestartsItInPlace() {
        App app = online(1);
        Slot slot = app.slots().get(0);
        processes.started.get(0).exit(1);
        loop.runDue();
        assertEquals(SlotState.EXITED, slot.state());
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.advance(100);
        assertTrue(reload.isDone() && !reload.isCompletedExceptionally());
        assertEquals(List.of("web worker 1/1 started (it was exited)"), progress);
        assertEquals(2, processes.started.size(), "restarted in place, no replacement beside a restart");
    }

    @Test
    void scalingUpStartsNewSlotsAndScalingDownDrainsTheHighestIdsBeforeForgettingThem() {
        App app = online(2);
        CompletableFuture<Void> up = rollout.scale(app, 3);
        loop.advance(100);
        assertTrue(up.isDone() && !up.isCompletedExceptionally());
        assertEquals(3, app.slots().size());
        sockets.calls.clear();
        sockets.drain = new CompletableFuture<>();
        CompletableFuture<Void> down = rollout.scale(app, 1);
        loop.runDue();
        assertEquals(List.of("quiesce 2", "quiesce 1"), sockets.calls);
        assertTrue(processes.started.get(1).received.isEmpty() && processes.started.get(2).received.isEmpty(), "nobody is told to go before the drain");
        sockets.drain.complete(null);
        loop.runDue();
        loop.runDue();
        assertTrue(down.isDone() && !down.isCompletedExceptionally());
        assertEquals(1, app.slots().size());
        assertTrue(processes.started.get(0).alive());
    }

    @Test
    void afterAScaleTheWorkersStartedBeforeItKeepTheOldCountsShareUntilAReloadSizesThemAgain() {
        App program = online(1);
        program.spec(program.spec().withInstances(2));
        assertEquals(0, program.sharedAmongOthers(program.slots().get(0)), "a program's share is a hint (CLUSTER_PROCESSORS), not its size");
        App app = online(AppSpec.builder().name("jar").cwd("/").jar("/srv/app.jar").instances(1).build());
        app.spec(app.spec().withInstances(2)); // as the supervisor's scale does
        CompletableFuture<Void> up = rollout.scale(app, 2);
        loop.advance(100);
        assertTrue(up.isDone() && !up.isCompletedExceptionally());
        assertEquals(1, app.sharedAmongOthers(app.slots().get(0)), "worker 0 was sized for the one worker the app had");
        assertEquals(0, app.sharedAmongOthers(app.slots().get(1)), "worker 1 started with the new count's share");
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        for (int i = 0; i < 10 && !reload.isDone(); i++) {
            loop.advance(100);
        }
        assertTrue(reload.isDone() && !reload.isCompletedExceptionally());
        assertTrue(app.slots().stream().allMatch(s -> app.sharedAmongOthers(s) == 0), "a reload sizes every worker for the app's count");
        app.spec(app.spec().toBuilder().share(AppSpec.OFF).build().withInstances(3));
        assertEquals(0, app.sharedAmongOthers(app.slots().get(0)), "no share, nothing to keep");
    }

    @Test
    void overItsMemoryLimitAWorkerThatCannotShowReadinessIsRestartedInstead() {
        App app = online(1);
        Slot slot = app.slots().get(0);
        processes.onStart = p -> { }; // the replacement never listens
        CompletableFuture<Void> replaced = rollout.replaceOverMemory(slot, "over --max-memory-restart 64M", progress::add);
        loop.advance(15_100);
        assertEquals(List.of("KILL"), processes.started.get(1).received, "the replacement that never got ready");
        loop.advance(15_100); // the restart, which never listens either, counts as online after its listen timeout
        assertTrue(replaced.isDone() && !replaced.isCompletedExceptionally(), "restarted instead");
        // The wait was learnt: 5 x the app's one start so far (100 ms), at least 10 s.
        assertTrue(progress.contains("web:0: no replacement got ready (web:0 replacement not ready within 10s (auto: 5 x its slowest recent "
                + "start of 100ms, at least 10s; --listen-timeout sets it); web:0 keeps serving with pid 1000): restarting it instead"),
                progress.toString());
        assertFalse(processes.started.get(0).alive());
        assertEquals(3, processes.started.size(), "the original, the abandoned replacement, the restart");
    }

    @Test
    void aStopDuringAMemoryReplacementIsNotUndoneByTheRestartInstead() {
        App app = online(1);
        Slot slot = app.slots().get(0);
        processes.onStart = p -> { }; // a slow start
        app.begin(App.Operation.MEMORY_REPLACEMENT);
        CompletableFuture<Void> replaced = rollout.replaceOverMemory(slot, "over --max-memory-restart 64M", progress::add);
        loop.advance(1_000);
        App.yieldTo("stop", List.of(app));
        slot.stop("stop requested");
        loop.advance(60_000);
        assertTrue(replaced.isCompletedExceptionally());
        assertEquals(SlotState.STOPPED, slot.state());
        assertEquals(2, processes.started.size(), "the original and the killed replacement: no restart");
    }

    /** A stop while the restart instead waits for the worker to drain: it does not start it again after. */
    @Test
    void aStopWhileAMemoryReplacementRestartsInsteadIsNotUndone() {
        App app = online(1);
        Slot slot = app.slots().get(0);
        processes.started.get(0).ignoresTerm = true; // its stop lasts until the kill timeout
        processes.onStart = p -> { }; // the replacement never listens
        app.begin(App.Operation.MEMORY_REPLACEMENT);
        CompletableFuture<Void> replaced = rollout.replaceOverMemory(slot, "over --max-memory-restart 64M", progress::add);
        loop.advance(10_100); // the replacement is given up after 10 s (the floor of the learnt wait)
        assertTrue(progress.stream().anyMatch(line -> line.endsWith("restarting it instead")), progress.toString());
        App.yieldTo("stop", List.of(app));
        slot.stop("stop requested");
        loop.advance(app.spec().killTimeoutMs() + 1_000);
        assertTrue(replaced.isCompletedExceptionally());
        assertEquals(SlotState.STOPPED, slot.state());
        assertEquals(2, processes.started.size(), "the original and the abandoned replacement: no restart");
    }

    /** A delete while a reload waits for a worker that was stopping to exit: the reload does not start it again after. */
    @Test
    void aReloadStartsNoStoppingWorkerAgainOnceTheAppWasDeleted() {
        App app = online(1);
        Slot slot = app.slots().get(0);
        processes.started.get(0).ignoresTerm = true;
        slot.stop("stop requested");
        app.begin(App.Operation.RELOAD);
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.runDue();
        App.yieldTo("delete", List.of(app));
        loop.advance(app.spec().killTimeoutMs() + 1_000);
        assertTrue(reload.isCompletedExceptionally());
        assertEquals("'cluster delete' came first: web:0 was not started again", reload.handle((v, e) -> Rollout.cause(e).getMessage()).join());
        assertEquals(1, processes.started.size(), "nothing started after the delete");
        assertEquals(SlotState.STOPPED, slot.state());
    }

    /**
     * Many workers start one per turn of the loop, so what else fell due (a CLI's heartbeat) runs between two spawns; a stop
     * between them leaves the rest unstarted.
     */
    @Test
    void aStartSpawnsOneWorkerPerTurnAndAStopBetweenEndsIt() {
        App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(3).build(), sockets, loop, processes,
                (slot, state) -> { });
        app.begin(App.Operation.START);
        CompletableFuture<Void> started = rollout.start(app.slots(), "start");
        List<Integer> spawnedBeforeTheHeartbeat = new ArrayList<>();
        loop.schedule(() -> {
            spawnedBeforeTheHeartbeat.add(processes.started.size());
            App.yieldTo("stop", List.of(app));
        }, 0);
        loop.runDue();
        assertEquals(List.of(1), spawnedBeforeTheHeartbeat, "the timer due next ran after the first spawn, before the second");
        assertEquals(1, processes.started.size(), "nothing spawned after the stop");
        assertEquals("'cluster stop' came first: web:1 was not started", started.handle((v, e) -> Rollout.cause(e).getMessage()).join());
        assertEquals(SlotState.STOPPED, app.slots().get(2).state());
    }

    /** A start that fails at its first worker answers only once every worker had its turn: nothing of it is left to come. */
    @Test
    void aStartThatFailsAtOnceAnswersOnlyAfterEveryWorkerHadItsTurn() {
        App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(3).build(), sockets, loop, processes,
                (slot, state) -> { });
        processes.onStart = p -> p.exit(1);
        CompletableFuture<Void> started = rollout.start(app.slots(), "start");
        List<Integer> spawnedWhenAnswered = new ArrayList<>();
        started.whenComplete((done, failure) -> spawnedWhenAnswered.add(processes.started.size()));
        loop.runDue();
        assertTrue(started.isCompletedExceptionally());
        assertEquals(List.of(3), spawnedWhenAnswered);
    }

    /** A stop while a restart waits for a worker to drain: the restart does not start it again after. */
    @Test
    void aRestartStartsNoWorkerAgainOnceTheAppWasStopped() {
        App app = online(2);
        processes.started.forEach(p -> p.ignoresTerm = true);
        app.begin(App.Operation.RESTART);
        List<CompletableFuture<Void>> restarted = rollout.restart(app.slots(), "restart requested");
        App.yieldTo("stop", List.of(app));
        app.slots().forEach(s -> s.stop("stop requested"));
        loop.advance(app.spec().killTimeoutMs() + 1_000);
        assertTrue(restarted.stream().allMatch(CompletableFuture::isCompletedExceptionally));
        assertEquals("'cluster stop' came first: web:0 was not started again", restarted.get(0).handle((v, e) -> Rollout.cause(e).getMessage()).join());
        assertEquals(2, processes.started.size(), "nothing started after the stop");
        assertTrue(app.slots().stream().allMatch(s -> s.state() == SlotState.STOPPED), app.slots().toString());
    }

    /** The serving worker crashes while its replacement starts: the reload says so, not that a process "keeps serving with pid null". */
    @Test
    void aReloadWhoseServingWorkerCrashesMeanwhileSaysSo() {
        App app = online(1);
        processes.onStart = p -> { };
        CompletableFuture<Void> reload = rollout.reload(app, 1, progress::add);
        loop.runDue();
        app.slots().get(0).serving().dying(); // its death watch fired: handled before the exit is reaped
        loop.runDue();
        String message = reload.handle((v, e) -> Rollout.cause(e).getMessage()).join();
        assertTrue(message.startsWith("web:0 replacement given up as its worker crashed meanwhile (died"), message);
        assertFalse(message.contains("null"), message);
    }
}
