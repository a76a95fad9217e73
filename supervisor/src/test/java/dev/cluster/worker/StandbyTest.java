package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Standbys ({@code --standby N}) through an app's life, in virtual time. */
class StandbyTest {
    final FakeLoop loop = new FakeLoop();
    final FakeProcesses processes = new FakeProcesses();
    final RecordingSockets sockets = new RecordingSockets();
    /** The sockets each standby was handed, by its pid. */
    final List<String> handed = new ArrayList<>();

    /** An app of {@code instances} online workers and {@code standby} standbys, each waiting for its socket. */
    App online(int instances, int standby) {
        App app = started(instances, standby);
        waiting(app);
        return app;
    }

    /** The same with its standbys still starting: none has asked for its socket yet. */
    App started(int instances, int standby) {
        processes.onStart = p -> p.listening = true;
        App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(instances).standby(standby)
                .minUptimeMs(1_000).build(), sockets, loop, processes, (slot, state) -> { });
        app.slots().forEach(s -> s.start("start"));
        app.slots().forEach(s -> s.serving().handedSocket()); // as the library or the agent asks for it before it listens
        loop.advance(Attempt.READINESS_POLL_MS);
        return app;
    }

    /** Every standby asks for its socket, as the library or the agent does once it has started. */
    void waiting(App app) {
        for (Standby s : app.standbys().list()) {
            if (!s.waiting()) {
                s.asked("127.0.0.1", false, fds -> handed.add(s.pid() + " got " + (fds.length == 0 ? "none" : fds[0])));
            }
        }
    }

    /** A program that binds the port itself (neither the library nor the agent): its "standby" would serve at once, uncounted. */
    @Test
    void anAppWhoseWorkersBindThePortThemselvesGetsNoStandbys() {
        processes.onStart = p -> p.listening = true;
        App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(1).standby(1).port(18000)
                .minUptimeMs(1_000).build(), sockets, loop, processes, (slot, state) -> { });
        app.slots().forEach(s -> s.start("start"));
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, app.slots().get(0).state());
        assertEquals(0, processes.standbys.size(), "none started");
        assertTrue(app.standbys().describe().startsWith("none: its workers take no socket from the supervisor (pid "
                + processes.started.get(0).pid() + " bound port 18000 itself)"), app.standbys().describe());

        // Its next worker takes its socket (as a new version that uses the library would): standbys start with it.
        loop.advance(5_000);
        processes.started.get(0).exit(137);
        loop.runDue();
        assertEquals(2, processes.started.size(), "a fresh start: there was no standby");
        app.slots().get(0).serving().handedSocket();
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, app.slots().get(0).state());
        assertEquals(1, processes.standbys.size(), app.standbys().describe());
    }

    /** A slow library app: counted ready when its time ran out, it asks for its socket only after that. Its standbys start then. */
    @Test
    void aWorkerThatTakesItsSocketAfterItWasCountedReadyBringsItsStandbys() {
        App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(1).standby(1).port(18000)
                .listenTimeoutMs(1_000L).minUptimeMs(1_000).build(), sockets, loop, processes, (slot, state) -> { });
        app.slots().forEach(s -> s.start("start"));
        loop.advance(1_000 + Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, app.slots().get(0).state());
        assertTrue(app.slots().get(0).serving().readinessAssumed());
        assertEquals(0, processes.standbys.size());
        assertTrue(app.standbys().describe().contains("did not listen on port 18000 in time"), app.standbys().describe());

        app.slots().get(0).serving().handedSocket();
        assertEquals(1, processes.standbys.size(), "no need to wait for the app's next change of state");
        app.slots().get(0).serving().handedSocket(); // the library asks again for a second address: nothing more
        assertEquals(1, processes.standbys.size());
    }

    @Test
    void standbysStartOnceTheAppIsOnlineAndAreNotCountedAsWorkers() {
        App app = online(2, 1);
        assertEquals(1, processes.standbys.size());
        assertEquals(2, processes.started.size());
        assertEquals(1, app.standbys().list().size());
        assertTrue(app.standbys().list().get(0).waiting());
    }

    /** With one worker, its crash leaves no slot online: the standby must still be there for it. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aWorkerThatServedAndDiedIsReplacedByTheStandbyAtOnceAndAnotherStandbyStartsBehindIt(int instances) {
        App app = online(instances, 1);
        Slot slot = app.slots().get(0);
        FakeProcess standby = processes.standbys.get(0);
        loop.advance(5_000);
        processes.started.get(0).exit(137);
        loop.runDue();
        assertEquals(SlotState.ONLINE, slot.state(), "online again without a start");
        assertEquals(standby.pid(), slot.pid());
        assertTrue(slot.serving().wasStandby(), "known as a standby's (the port-sharing check skips it: it would take processor from its first requests)");
        assertEquals(0, standby.assignedTo, "told its worker id");
        assertEquals(List.of(standby.pid() + " got 100"), handed, "handed slot 0's socket");
        assertTrue(sockets.calls.containsAll(List.of("down 0", "fd 0")) && sockets.calls.get(sockets.calls.size() - 1).equals("serving 0"),
                sockets.calls.toString());
        assertTrue(sockets.calls.indexOf("fd 0") < sockets.calls.indexOf("down 0"),
                "handed the socket before anything else is done (its first request waits for none of it): " + sockets.calls);
        assertEquals(instances, processes.started.size(), "no fresh start");
        assertEquals(1, processes.standbys.size(), "not at once: a JVM's start would compete with the first requests");
        loop.advance(1_000);
        assertEquals(2, processes.standbys.size(), "another standby started behind it");
        assertEquals(1, slot.restarts());
    }

    /** A standby stopped by SIGSTOP or a debugger would take the slot's socket and answer nothing: a new process is started instead. */
    @Test
    void aPausedStandbyIsPassedOverAndTheSlotStartsANewProcess() {
        App app = online(1, 1);
        Slot slot = app.slots().get(0);
        Standby standby = app.standbys().list().get(0);
        standby.sampled(0, 80_000_000, true);
        assertFalse(standby.paused(), "one sample is not enough: strace stops a process for an instant at every system call");
        standby.sampled(0, 80_000_000, true);
        assertTrue(standby.paused());
        assertEquals(0, app.standbys().waiting(), "not counted as ready (cluster_app_standbys)");
        assertTrue(app.standbys().describe().endsWith("pid " + standby.pid() + " (paused: passed over until it runs again)"), app.standbys().describe());
        loop.advance(5_000);
        processes.started.get(0).exit(137);
        loop.runDue();
        assertTrue(handed.isEmpty(), "the paused standby was handed nothing");
        assertEquals(2, processes.started.size(), "a fresh start instead");
        slot.serving().handedSocket();
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        assertEquals(processes.started.get(1).pid(), slot.pid());
        assertEquals(List.of(standby), app.standbys().list(), "kept: it may be resumed");

        standby.sampled(0, 80_000_000, false);
        assertEquals(1, app.standbys().waiting(), "resumed: ready again");
        loop.advance(5_000);
        processes.started.get(1).exit(137);
        loop.runDue();
        assertEquals(standby.pid(), slot.pid(), "and it takes over the next death");
    }

    @Test
    void aCrashLoopDoesNotUseUpTheStandbys() {
        App app = online(1, 1);
        Slot slot = app.slots().get(0);
        processes.started.get(0).exit(1); // within --min-uptime: unstable, back-off
        loop.runDue();
        assertEquals(SlotState.EXITED, slot.state());
        loop.advance(100);
        assertEquals(2, processes.started.size(), "a fresh start after the back-off");
        assertEquals(1, processes.standbys.size());
        assertTrue(handed.isEmpty());
        loop.advance(Attempt.READINESS_POLL_MS);
        assertEquals(SlotState.ONLINE, slot.state());
        assertFalse(slot.serving().wasStandby(), "a fresh start: its ports are checked for sharing as it comes online");
    }

    @Test
    void scalingUpTakesTheStandbysFirst() {
        App app = online(1, 1);
        FakeProcess standby = processes.standbys.get(0);
        Slot added = app.addSlot();
        added.start("scale up");
        assertEquals(SlotState.ONLINE, added.state());
        assertEquals(standby.pid(), added.pid());
        assertEquals(1, standby.assignedTo);
        assertEquals(1, processes.started.size(), "no fresh start");
    }

    @Test
    void aDeathTakenOverBeforeItsReapIsLaidAtTheOomKillersDoorWhenItWasAtWork() {
        App app = online(1, 1);
        Slot slot = app.slots().get(0);
        loop.advance(5_000);
        slot.serving().dying();
        processes.oomKill = true;
        processes.started.get(0).exit(137);
        loop.runDue();
        assertTrue(slot.lastExit().startsWith("killed by signal 9 (SIGKILL), likely by the kernel's OOM killer "), slot.lastExit());
    }

    @Test
    void aReloadRetiresTheOldVersionsStandbysAndStartsNewOnesAfter() {
        App app = online(1, 2);
        app.begin(App.Operation.RELOAD);
        assertTrue(processes.standbys.stream().allMatch(p -> p.received.contains("TERM")), "the old version's standbys are stopped");
        assertEquals(0, app.standbys().list().size());
        app.end(App.Operation.RELOAD);
        assertEquals(2, app.standbys().list().size());
        assertEquals(4, processes.standbys.size());
    }

    @Test
    void aStoppedAppKeepsNoStandbysAndOneThatDiesIsReplacedAfterAPause() {
        App app = online(1, 1);
        processes.standbys.get(0).exit(1);
        loop.runDue();
        assertEquals(0, app.standbys().list().size());
        loop.advance(999);
        assertEquals(1, processes.standbys.size(), "not at once: a failing standby must not spin");
        loop.advance(1);
        assertEquals(2, processes.standbys.size());

        app.slots().get(0).stop("stop requested");
        loop.runDue();
        assertTrue(processes.standbys.get(1).received.contains("TERM"), "nothing to stand by for");
        assertEquals(0, app.standbys().list().size());
    }

    /**
     * A standby that does not end on SIGTERM (a Spring Boot app: its shutdown hook waits for its start, which waits in
     * the bind for the socket) gets SIGKILL after the kill timeout, and is known as the app's until it is gone.
     */
    /**
     * A stopped standby's request for its socket is answered without one, which ends it (the agent exits,
     * the library throws): SIGTERM alone does not end a Spring Boot standby waiting in its bind. One still
     * starting when it was stopped is answered so as soon as it asks.
     */
    @Test
    void aStoppedStandbyIsAnsweredWithoutASocketAtOnceOrWhenItAsks() {
        App app = online(1, 2);
        List<Standby> asked = List.copyOf(app.standbys().list());
        handed.clear();
        List<String> late = new ArrayList<>();
        app.slots().get(0).stop("stop requested");
        loop.runDue();
        assertEquals(asked.stream().map(s -> s.pid() + " got none").sorted().toList(), handed.stream().sorted().toList());

        App other = started(1, 1);
        Standby starting = other.standbys().list().get(0);
        assertFalse(starting.waiting());
        other.slots().get(0).stop("stop requested");
        loop.runDue();
        starting.asked("127.0.0.1", false, fds -> late.add("got " + fds.length));
        assertEquals(List.of("got 0"), late, "a request made after the stop is answered at once");
    }

    @Test
    void aStoppedStandbyThatIgnoresSigtermIsKilledAfterTheKillTimeout() {
        App app = online(1, 1);
        FakeProcess standby = processes.standbys.get(0);
        standby.ignoresTerm = true;
        app.slots().get(0).stop("stop requested");
        loop.runDue();
        assertEquals(List.of("TERM"), standby.received);
        assertEquals(0, app.standbys().list().size());
        assertTrue(app.standbys().withPid(standby.pid()).isPresent(), "its connection is still a standby's while it ends");
        assertFalse(app.standbys().stopped().isDone(), "the supervisor's exit waits for it");

        loop.advance(app.spec().killTimeoutMs() - 1);
        assertEquals(List.of("TERM"), standby.received);
        loop.advance(1);
        assertEquals(List.of("TERM", "KILL"), standby.received);
        assertTrue(app.standbys().stopped().isDone());
        assertTrue(app.standbys().withPid(standby.pid()).isEmpty());
    }

    /** A standby that cannot start (it fails as it starts, every time) backs off as a crashing worker does, then is given up. */
    @Test
    void standbysThatFailToStartBackOffAndAreGivenUpUntilTheAppIsReloaded() {
        App app = online(1, 1);
        List<Long> waits = new ArrayList<>();
        for (int exits = 0; exits <= 16; exits++) { // the default --max-restarts: 16
            FakeProcess failing = processes.standbys.get(processes.standbys.size() - 1);
            failing.err.add("Error: Could not find or load main class Main");
            failing.exit(1);
            loop.runDue();
            int before = processes.standbys.size();
            long waited = 0;
            while (processes.standbys.size() == before && waited < 60_000) {
                loop.advance(250);
                waited += 250;
            }
            waits.add(waited);
        }
        assertEquals(List.of(1_000L, 1_500L, 2_250L, 3_500L, 5_250L, 7_750L, 11_500L, 15_000L), waits.subList(0, 8),
                "from a second, x1.5 each time, up to 15 s (to the next 250 ms)");
        assertEquals(60_000L, waits.get(16), "the 17th in a row is not followed by another");
        assertEquals(0, app.standbys().list().size());
        assertTrue(app.standbys().describe().startsWith("none: given up after 17 in a row exited"), app.standbys().describe());
        app.begin(App.Operation.RELOAD);
        app.end(App.Operation.RELOAD);
        assertEquals(1, app.standbys().list().size(), "a reload tries again");
        assertEquals("0 of 1 waiting: pid " + app.standbys().list().get(0).pid() + " (starting)", app.standbys().describe());
        waiting(app);
        assertEquals("1 of 1 waiting: pid " + app.standbys().list().get(0).pid(), app.standbys().describe());
    }

    /** Its death watch tells of a death before the kernel has reaped the process: the standby takes over then. */
    @Test
    void aDyingWorkerIsTakenOverBeforeItsExitIsReapedAndTheReapBringsItsStatus() {
        App app = online(1, 1);
        Slot slot = app.slots().get(0);
        FakeProcess dying = processes.started.get(0);
        FakeProcess standby = processes.standbys.get(0);
        loop.advance(5_000);
        slot.serving().dying();
        assertEquals(SlotState.ONLINE, slot.state(), "online again before the exit, and without a turn of the loop");
        assertEquals(standby.pid(), slot.pid());
        assertEquals(List.of(standby.pid() + " got 100"), handed);
        assertTrue(slot.lastExit().startsWith("died (its death watch fired) at "), slot.lastExit());
        dying.err.add("the last words");
        dying.exit(137);
        loop.runDue();
        assertEquals(standby.pid(), slot.pid(), "the reap changes only what is known of the exit");
        assertTrue(slot.lastExit().startsWith("killed by signal 9 (SIGKILL) at "), slot.lastExit());
        assertEquals(List.of("the last words"), slot.lastExitOutput().lines());
        assertEquals(1, slot.restarts(), "one death, one restart");
        assertEquals(1, processes.started.size(), "no fresh start");
    }

    /** A process being stopped dies as asked: its exit, when reaped, is a stop, never a takeover. */
    @Test
    void aWorkerBeingStoppedIsNotTakenOverAsItDies() {
        App app = online(1, 1);
        Slot slot = app.slots().get(0);
        Attempt attempt = slot.serving();
        processes.started.get(0).ignoresTerm = true; // it drains a while
        slot.stop("stop requested");
        attempt.dying();
        assertEquals(SlotState.STOPPING, slot.state());
        assertTrue(handed.stream().allMatch(h -> h.endsWith(" got none")), "no socket handed, the standby stopped with the app: " + handed);
        processes.started.get(0).exit(143);
        loop.runDue();
        assertEquals(SlotState.STOPPED, slot.state());
        assertTrue(handed.stream().allMatch(h -> h.endsWith(" got none")), handed.toString());
    }

    /** A caller told of the crash stops the slot before it restarts: the standby it had taken is stopped, not left serving. */
    @Test
    void aStandbyTakenForASlotStoppedAsItCrashedIsStopped() {
        processes.onStart = p -> p.listening = true;
        App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).instances(1).standby(1).minUptimeMs(1_000).build(),
                sockets, loop, processes, (slot, state) -> {
                    if (state == SlotState.EXITED) {
                        slot.stop("stop requested");
                    }
                });
        app.slots().forEach(s -> s.start("start"));
        app.slots().forEach(s -> s.serving().handedSocket());
        loop.advance(Attempt.READINESS_POLL_MS);
        waiting(app);
        FakeProcess standby = processes.standbys.get(0);
        loop.advance(5_000);
        processes.started.get(0).exit(137);
        loop.runDue();
        assertEquals(SlotState.STOPPED, app.slots().get(0).state());
        assertEquals(List.of("TERM"), standby.received, "the standby was stopped");
        assertFalse(standby.alive());
    }
}
