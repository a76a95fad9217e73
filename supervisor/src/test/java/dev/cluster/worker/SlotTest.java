package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A slot's life through its processes, in virtual time: no JVM is started, nothing sleeps. */
class SlotTest {
    final FakeLoop loop = new FakeLoop();
    final FakeProcesses processes = new FakeProcesses();
    final RecordingSockets sockets = new RecordingSockets();
    final List<String> changes = new ArrayList<>();

    static AppSpec.Builder spec() {
        return AppSpec.builder().name("web").cwd("/").command(List.of("server")).restartDelayMs(100).minUptimeMs(1_000).maxRestarts(3)
                .killTimeoutMs(5_000).listenTimeoutMs(15_000L);
    }

    App app(AppSpec.Builder spec) {
        return new App(spec.build(), sockets, loop, processes, (slot, state) -> changes.add(slot.name() + " " + state.label()));
    }

    /** A slot started with a process that listens at once: online after the first readiness poll. */
    Slot online() {
        processes.onStart = p -> p.listening = true;
        Slot slot = app(spec()).slots().get(0);
        slot.start("start");
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        return slot;
    }

    @Test
    void aWorkerThatListensIsOnlineAndNewConnectionsGoToItsSocket() {
        Slot slot = app(spec()).slots().get(0);
        CompletableFuture<Void> started = slot.start("start");
        assertEquals(SlotState.LAUNCHING, slot.state());
        processes.last().listening = true;
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        assertTrue(started.isDone() && !started.isCompletedExceptionally());
        assertEquals(List.of("serving 0"), sockets.calls);
        assertEquals(List.of("web:0 launching", "web:0 online"), changes);
    }

    @Test
    void aLibraryWorkerIsReadyWhenItSaysSoNotWhenItListens() {
        Slot slot = app(spec()).slots().get(0);
        slot.start("start");
        slot.serving().onHello(() -> { });
        processes.last().listening = true;
        loop.advance(1_000);
        assertEquals(SlotState.LAUNCHING, slot.state(), "listening is not enough for a worker that will say ready");
        slot.serving().onReady();
        assertEquals(SlotState.ONLINE, slot.state());
    }

    @Test
    void aWorkerThatNeverListensCountsAsOnlineAfterTheListenTimeout() {
        Slot slot = app(spec().listenTimeoutMs(3_000L)).slots().get(0);
        slot.start("start");
        loop.advance(2_900);
        assertEquals(SlotState.LAUNCHING, slot.state());
        loop.advance(200);
        assertEquals(SlotState.ONLINE, slot.state());
        assertTrue(slot.lastTransition().contains("listen timeout of 3000 ms passed"), slot.lastTransition());
    }

    @Test
    void aStartThatListensOnlyAfterItWasCountedOnlineIsLearntSoAReloadAsSlowIsNotAbandoned() {
        Slot slot = app(spec().listenTimeoutMs(null)).slots().get(0);
        slot.start("start");
        loop.advance(Readiness.FIRST_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        assertTrue(slot.serving().readinessAssumed());
        loop.advance(1_500);
        processes.last().listening = true; // a Spring Boot app on a loaded machine, seen at the next look: 17 s
        loop.advance(Attempt.LATE_READINESS_POLL_MS - 500);
        assertFalse(slot.serving().readinessAssumed(), "it showed readiness after all");
        assertEquals(Readiness.MULTIPLE * 17_000, slot.app().readiness().waitMs(slot.app().spec()), "its real start is learnt");

        processes.onStart = p -> { };
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        FakeProcess fresh = processes.last();
        loop.advance(17_000);
        fresh.listening = true;
        loop.advance(Attempt.READINESS_POLL_MS);
        loop.runDue();
        assertEquals(fresh.pid(), slot.pid(), "the replacement was given the learnt time");
        assertTrue(replaced.isDone() && !replaced.isCompletedExceptionally());
    }

    @Test
    void aWorkerThatServedIsRestartedAtOnce() {
        Slot slot = online();
        loop.advance(5_000);
        processes.last().exit(137);
        loop.runDue();
        assertEquals(SlotState.LAUNCHING, slot.state(), "no back-off for a run that served");
        assertEquals(2, processes.started.size());
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
    }

    @Test
    void aSigkillAsTheOomKillerWasAtWorkIsLaidAtItsDoorButNotOneTheSupervisorSent() {
        Slot slot = online();
        loop.advance(5_000);
        processes.oomKill = true;
        processes.last().exit(137);
        loop.runDue();
        assertTrue(slot.lastExit().startsWith("killed by signal 9 (SIGKILL), likely by the kernel's OOM killer (it killed a process just then;"
                + " 'dmesg' names it) at "), slot.lastExit());
        loop.advance(Attempt.READINESS_POLL_MS);
        processes.last().exit(139);
        loop.runDue();
        assertTrue(slot.lastExit().startsWith("killed by signal 11 (SIGSEGV) at "), "only a SIGKILL: " + slot.lastExit());
        loop.advance(1_000);
        assertEquals(SlotState.ONLINE, slot.state());
        processes.last().ignoresTerm = true;
        slot.stop("stop requested");
        loop.advance(5_000); // the kill timeout: the supervisor's own SIGKILL
        assertEquals(SlotState.STOPPED, slot.state());
        assertTrue(slot.lastExit().startsWith("killed by signal 9 (SIGKILL) at "), slot.lastExit());
    }

    @Test
    void aWorkerThatDiesRightAfterItsStartIsRestartedAfterTheBackOffAndItsSocketGetsNothingMeanwhile() {
        Slot slot = online();
        FakeProcess first = processes.last();
        loop.advance(500); // within --min-uptime
        first.exit(1);
        loop.runDue();
        assertEquals(SlotState.EXITED, slot.state());
        assertEquals(List.of("serving 0", "down 0"), sockets.calls);
        assertTrue(slot.lastExit().startsWith("exited with code 1"), slot.lastExit());
        loop.advance(99);
        assertEquals(1, processes.started.size(), "not before the back-off");
        loop.advance(1);
        assertEquals(SlotState.LAUNCHING, slot.state());
        assertEquals(2, processes.started.size());
        assertEquals(1, slot.restarts());
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        assertEquals("serving 0", sockets.calls.get(sockets.calls.size() - 1));
    }

    @Test
    void aCrashLoopEndsErroredAndTheStartFailsWithTheLastLines() {
        Slot slot = app(spec().maxRestarts(2)).slots().get(0);
        processes.onStart = p -> {
            p.err.add("Exception in thread \"main\" java.lang.IllegalStateException: no config");
            p.exit(1);
        };
        CompletableFuture<Void> started = slot.start("start");
        loop.advance(10_000);
        assertEquals(SlotState.ERRORED, slot.state());
        assertEquals(3, processes.started.size(), "the first run and two restarts");
        assertTrue(started.isCompletedExceptionally());
        LaunchFailure failure = failure(started);
        assertTrue(failure.getMessage().contains("web:0 exited with code 1 before it was ready"), failure.getMessage());
        assertEquals(List.of("Exception in thread \"main\" java.lang.IllegalStateException: no config"), failure.lines());
        assertEquals("close 0", sockets.calls.get(sockets.calls.size() - 1), "an errored slot's socket is closed");
    }

    @Test
    void withAutorestartOffAWorkerThatExitsIsLeftStoppedAndRestartStartsItAgain() {
        processes.onStart = p -> p.listening = true;
        Slot slot = app(spec().autorestart(AppSpec.OFF)).slots().get(0);
        slot.start("start");
        loop.advance(Attempt.READINESS_POLL_MS);
        loop.advance(5_000);
        processes.last().exit(0);
        loop.advance(60_000);
        assertEquals(SlotState.STOPPED, slot.state());
        assertEquals(1, processes.started.size(), "not restarted, at once or later");
        assertTrue(slot.lastTransition().contains("exited with code 0") && slot.lastTransition().contains("not restarted: --autorestart off"),
                slot.lastTransition());
        assertEquals("close 0", sockets.calls.get(sockets.calls.size() - 1), "its socket is closed, as a stopped slot's is");

        slot.start("restart requested");
        assertEquals(SlotState.LAUNCHING, slot.state());
        assertEquals(2, processes.started.size());
    }

    @Test
    void withAutorestartOffAStartThatFailsSaysItIsNotRestarted() {
        processes.onStart = p -> p.exit(1);
        Slot slot = app(spec().autorestart(AppSpec.OFF)).slots().get(0);
        CompletableFuture<Void> started = slot.start("start");
        loop.advance(10_000);
        assertEquals(SlotState.STOPPED, slot.state());
        assertEquals(1, processes.started.size());
        assertTrue(failure(started).getMessage().contains("web:0 exited with code 1 before it was ready (not restarted: --autorestart off"),
                failure(started).getMessage());
    }

    /** A job that serves no port and is done within the first readiness poll started fine: run once, it is stopped, not failed. */
    @Test
    void withListenTimeoutZeroAJobDoneBeforeTheFirstLookStartedAndOneThatFailedDidNot() {
        processes.onStart = p -> p.exit(0);
        Slot job = app(spec().listenTimeoutMs(0L).autorestart(AppSpec.OFF)).slots().get(0);
        CompletableFuture<Void> started = job.start("start");
        loop.advance(10_000);
        assertTrue(started.isDone() && !started.isCompletedExceptionally(), "a job that ran is no failed start");
        assertEquals(SlotState.STOPPED, job.state());
        assertTrue(job.lastTransition().contains("exited with code 0") && job.lastTransition().contains("not restarted: --autorestart off"),
                job.lastTransition());

        processes.onStart = p -> p.exit(1);
        Slot failing = app(spec().listenTimeoutMs(0L).autorestart(AppSpec.OFF)).slots().get(0);
        CompletableFuture<Void> failed = failing.start("start");
        loop.advance(10_000);
        assertTrue(failure(failed).getMessage().contains("exited with code 1 before it was ready"), failure(failed).getMessage());
    }

    @Test
    void withListenTimeoutZeroAJobThatIsDoneAtOnceIsRestartedAsAnUnstableRunIs() {
        processes.onStart = p -> p.exit(0);
        Slot job = app(spec().listenTimeoutMs(0L)).slots().get(0);
        CompletableFuture<Void> started = job.start("start");
        loop.advance(1);
        assertTrue(started.isDone() && !started.isCompletedExceptionally());
        assertEquals(SlotState.EXITED, job.state());
        assertTrue(job.lastTransition().contains("restarting in 100 ms"), "under --min-uptime: the back-off, not at once: " + job.lastTransition());
        loop.advance(60_000);
        assertEquals(SlotState.ERRORED, job.state(), "done at once, every time: a crash loop");
    }

    /**
     * No process could be started (its directory moved away by a deploy, fork refused under a process limit): often passing,
     * so it backs off and tries again as a crash at start does, and is errored only as a crash loop is.
     */
    @Test
    void aProgramThatCannotBeStartedIsRetriedAfterTheBackOffAndErroredOnlyAsACrashLoop() {
        processes.failStarts = true;
        Slot slot = app(spec()).slots().get(0);
        CompletableFuture<Void> started = slot.start("start");
        assertEquals(SlotState.EXITED, slot.state());
        assertEquals("web:0 could not start: Cannot run program nope: error=2, No such file or directory (restarting in 100 ms; see 'cluster describe web')",
                failure(started).getMessage());
        assertTrue(slot.lastExit().startsWith("could not start: Cannot run program nope"), slot.lastExit());
        assertEquals(null, slot.pid());
        for (int i = 0; i < 16 && slot.state() == SlotState.EXITED; i++) {
            loop.advance(15_000);
        }
        assertEquals(SlotState.ERRORED, slot.state(), slot.lastTransition());
        assertTrue(slot.lastTransition().contains("crash loop, giving up"), slot.lastTransition());

        processes.failStarts = false; // the directory is back: a restart by the user starts it
        processes.onStart = p -> p.listening = true;
        slot.start("restart");
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
    }

    @Test
    void aStartThatFailsOnceIsServingAfterTheBackOff() {
        processes.failStarts = true;
        processes.onStart = p -> p.listening = true;
        Slot slot = app(spec()).slots().get(0);
        slot.start("start");
        processes.failStarts = false;
        loop.advance(100);
        assertEquals(SlotState.LAUNCHING, slot.state());
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        assertEquals(processes.started.get(0).pid(), slot.pid());
    }

    @Test
    void aStoppedProcessIsSteeredAroundOnceTwoSamplesFindItSoUntilItRunsAgainButNotDuringAStop() {
        Slot slot = online();
        slot.sampled(0, 1, 1, 1, true);
        assertEquals(List.of("serving 0"), sockets.calls, "one sample is not enough (strace -p stops it at every system call)");
        slot.sampled(0, 1, 1, 1, true);
        slot.sampled(0, 1, 1, 1, true);
        assertEquals(List.of("serving 0", "down 0"), sockets.calls);
        slot.sampled(0, 1, 1, 1, false);
        assertEquals(List.of("serving 0", "down 0", "serving 0"), sockets.calls);
        assertEquals(SlotState.ONLINE, slot.state(), "still online: only where new connections go changed");

        slot.sampled(0, 1, 1, 1, true);
        slot.sampled(0, 1, 1, 1, true);
        sockets.drain = new CompletableFuture<>();
        slot.stop("stop requested");
        slot.sampled(0, 1, 1, 1, false); // resumed while it drains: a leaving socket gets nothing new
        assertEquals(List.of("serving 0", "down 0", "serving 0", "down 0", "quiesce 0"), sockets.calls);
    }

    @Test
    void stopSteersAwayAndWaitsForTheQueueBeforeAskingTheProcessToGo() {
        Slot slot = online();
        FakeProcess process = processes.last();
        sockets.drain = new CompletableFuture<>();
        CompletableFuture<Void> stopped = slot.stop("stop requested");
        loop.runDue();
        assertEquals(SlotState.STOPPING, slot.state());
        assertEquals(List.of(), process.received, "nothing is asked of the process while its queue drains");
        sockets.drain.complete(null);
        loop.runDue();
        assertEquals(List.of("TERM"), process.received);
        loop.runDue();
        assertEquals(SlotState.STOPPED, slot.state());
        assertTrue(stopped.isDone());
        assertEquals(List.of("serving 0", "quiesce 0", "close 0"), sockets.calls);
    }

    @Test
    void aWorkerThatIgnoresSigtermIsKilledAfterTheKillTimeout() {
        Slot slot = online();
        FakeProcess process = processes.last();
        process.ignoresTerm = true;
        slot.stop("stop requested");
        loop.advance(4_999);
        assertEquals(List.of("TERM"), process.received);
        loop.advance(1);
        assertEquals(List.of("TERM", "KILL"), process.received);
        assertEquals(SlotState.STOPPED, slot.state());
        assertTrue(slot.lastExit().startsWith("killed by signal 9"), slot.lastExit());
    }

    @Test
    void aReloadStartsTheNewProcessBesideTheOldAndDrainsTheOldOnceTheNewIsReady() {
        Slot slot = online();
        FakeProcess old = processes.last();
        processes.onStart = p -> { };
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        FakeProcess fresh = processes.last();
        loop.advance(500);
        assertEquals(old.pid(), slot.pid(), "the old one serves until the new one is ready");
        assertEquals(fresh.pid(), slot.replacement().pid());
        fresh.listening = true;
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(fresh.pid(), slot.pid());
        assertEquals(List.of("TERM"), old.received, "the old one drains once the new one serves");
        loop.runDue();
        assertTrue(replaced.isDone() && !replaced.isCompletedExceptionally());
        assertEquals(1, slot.restarts());
        assertEquals(SlotState.ONLINE, slot.state());
        assertEquals(List.of("serving 0", "promoted 0"), sockets.calls);
        assertTrue(fresh.received.isEmpty());
    }

    @Test
    void aReplacementThatCrashesIsAbandonedAndTheOldKeepsServing() {
        Slot slot = online();
        FakeProcess old = processes.last();
        processes.onStart = p -> p.err.add("Error: Invalid or corrupt jarfile app.jar");
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        processes.last().exit(1);
        loop.runDue();
        LaunchFailure failure = failure(replaced);
        assertTrue(failure.getMessage().contains("web:0 replacement exited with code 1 before it was ready"), failure.getMessage());
        assertEquals(List.of("Error: Invalid or corrupt jarfile app.jar"), failure.lines());
        assertEquals(old.pid(), slot.pid());
        assertEquals(SlotState.ONLINE, slot.state());
        assertTrue(old.received.isEmpty(), "the old one was never told to go");
        assertNull(slot.replacement());
    }

    @Test
    void aReplacementNotReadyInTimeIsKilledAndTheOldKeepsServing() {
        Slot slot = online();
        FakeProcess old = processes.last();
        processes.onStart = p -> { };
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        FakeProcess fresh = processes.last();
        loop.advance(15_000 + Attempt.READINESS_POLL_MS);
        assertTrue(failure(replaced).getMessage().contains("web:0 replacement not ready within the listen timeout of 15000 ms"));
        assertEquals(List.of("KILL"), fresh.received);
        assertEquals(old.pid(), slot.pid());
        assertTrue(old.alive());
    }

    /** A command that serves no port, started without {@code --listen-timeout 0}: the user is told, and a reload says why it cannot. */
    @Test
    void anAppThatNeverShowsReadinessIsToldToUseListenTimeoutZero() {
        App app = app(spec().listenTimeoutMs(3_000L));
        Slot slot = app.slots().get(0);
        slot.start("start");
        loop.advance(3_000 + Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        String note = app.readinessNotShown();
        assertTrue(note != null && note.startsWith("web: its workers neither said ready nor listened on port 8080 in time")
                && note.contains("give it --listen-timeout 0") && note.endsWith("if it is only slow to start, nothing to do: once it listens, its later "
                + "starts wait as long"), note);
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        loop.advance(3_000 + Attempt.READINESS_POLL_MS);
        String message = failure(replaced).getMessage();
        assertTrue(message.contains("the worker it replaces never showed readiness either: if it serves no port"), message);
        assertTrue(online().app().readinessNotShown() == null, "a worker that listened needs no note");
    }

    /** {@code --listen-timeout 0}: the app serves no port (a queue consumer), so a reload replaces each worker at once. */
    @Test
    void withListenTimeoutZeroAReplacementIsReadyAtOnce() {
        Slot slot = app(spec().listenTimeoutMs(0L)).slots().get(0);
        slot.start("start");
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        FakeProcess old = processes.last();
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        FakeProcess fresh = processes.last();
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(fresh.pid(), slot.pid(), "it serves (listening on nothing) at once");
        assertTrue(slot.lastTransition().contains("took over from pid " + old.pid() + " (--listen-timeout 0: it serves no port)"), slot.lastTransition());
        assertEquals(List.of("TERM"), old.received, "and the old one is asked to finish");
        loop.runDue();
        assertTrue(replaced.isDone() && !replaced.isCompletedExceptionally());
    }

    @Test
    void aStopDuringAReloadKillsTheReplacementAndTheReloadSaysWhy() {
        Slot slot = online();
        processes.onStart = p -> { };
        CompletableFuture<Slot.Replaced> replaced = slot.replace("reload");
        FakeProcess fresh = processes.last();
        slot.stop("stop requested");
        assertEquals("web:0 replacement stopped with its worker (stop requested)", failure(replaced).getMessage());
        assertEquals(List.of("KILL"), fresh.received);
        assertTrue(slot.app().givenUp(fresh.pid()), "known until it exits: its late connection to the worker socket is no stranger's");
        loop.runDue();
        assertFalse(slot.app().givenUp(fresh.pid()), "forgotten once it exited");

        Slot other = app(spec().name("api")).slots().get(0);
        processes.onStart = p -> p.listening = true;
        other.start("start");
        loop.advance(Attempt.READINESS_POLL_MS);
        processes.onStart = p -> { };
        CompletableFuture<Slot.Replaced> crashedMeanwhile = other.replace("reload");
        processes.started.get(processes.started.size() - 2).exit(137);
        loop.runDue();
        assertTrue(failure(crashedMeanwhile).getMessage().startsWith("api:0 replacement given up as its worker crashed meanwhile (killed by signal 9"),
                failure(crashedMeanwhile).getMessage());
    }

    @Test
    void theTelemetryHistoryContinuesAcrossAReloadAndSaysWhereEachProcessBegan() {
        Slot slot = online();
        long first = slot.pid();
        slot.telemetry().onReport(dev.cluster.metrics.WorkerTelemetryTest.report(100), System.currentTimeMillis());
        slot.replace("reload");
        loop.advance(Attempt.READINESS_POLL_MS);
        loop.runDue();
        slot.telemetry().onReport(dev.cluster.metrics.WorkerTelemetryTest.report(100), System.currentTimeMillis());
        List<dev.cluster.protocol.TelemetryInfo.ProcessStart> starts = slot.telemetry().details(System.currentTimeMillis()).processes();
        assertEquals(List.of(first, slot.pid()), starts.stream().map(dev.cluster.protocol.TelemetryInfo.ProcessStart::pid).toList());
    }

    @Test
    void aHungWorkerGetsAThreadDumpThenSigkillAndIsRestartedLikeACrash() {
        Slot slot = online();
        FakeProcess process = processes.last();
        slot.hang("no report for 30s");
        loop.runDue();
        assertEquals(List.of("QUIT"), process.received);
        loop.advance(Attempt.THREAD_DUMP_GRACE_MS);
        assertEquals(List.of("QUIT", "KILL"), process.received);
        loop.runDue();
        assertEquals(SlotState.LAUNCHING, slot.state(), "it had served: restarted at once");
        assertEquals(2, processes.started.size());
    }

    @Test
    void startingASlotThatRunsDoesNotStartASecondProcess() {
        Slot slot = online();
        slot.start("again");
        assertEquals(1, processes.started.size());
        assertFalse(slot.start("again").isCompletedExceptionally());
    }

    static LaunchFailure failure(CompletableFuture<?> f) {
        assertTrue(f.isCompletedExceptionally(), "failed");
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (java.util.concurrent.CompletionException e) {
            return assertInstanceOf(LaunchFailure.class, e.getCause());
        }
    }
}
