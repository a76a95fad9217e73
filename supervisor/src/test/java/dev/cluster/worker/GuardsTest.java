package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.telemetry.LagHistograms;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guards' verdicts from what was observed: no process is needed to judge one. */
class GuardsTest {
    final FakeLoop loop = new FakeLoop();
    final FakeProcesses processes = new FakeProcesses();

    App online(AppSpec.Builder spec) {
        processes.onStart = p -> p.listening = true;
        App app = new App(spec.name("web").cwd("/").command(List.of("server")).build(), new RecordingSockets(), loop, processes, (s, st) -> { });
        app.slots().forEach(s -> s.start("start"));
        loop.advance(100);
        return app;
    }

    static TelemetryReport report() {
        var h = LagHistograms.create();
        return new TelemetryReport(1000, LagHistograms.encode(h), LagHistograms.bucketCounts(h), 0, List.of(),
                LagHistograms.encode(h), 10, 20, 30, 1, 5, 12, 700, LagHistograms.summary(h), -1, List.of());
    }

    @Test
    void aWorkerOverItsMemoryLimitIsToBeReplaced() {
        App app = online(AppSpec.builder().maxMemoryBytes(64L << 20));
        Slot slot = app.slots().get(0);
        slot.telemetry().onProcessSample(1, 63L << 20, 10, 1, false);
        assertEquals(List.of(), Guards.judge(app, AWAKE));
        slot.telemetry().onProcessSample(1, 65L << 20, 10, 1, false);
        List<Guards.Verdict> verdicts = Guards.judge(app, AWAKE);
        assertEquals(1, verdicts.size());
        assertEquals(Guards.Kind.MEMORY, verdicts.get(0).kind());
        assertTrue(verdicts.get(0).why().contains("over --max-memory-restart 64M"), verdicts.get(0).why());
    }

    private static final long AWAKE = Long.MAX_VALUE;

    /** Each serving process says hello as the agent and reports once. */
    private static void reporting(App app) {
        for (Slot slot : app.slots()) {
            slot.serving().onAgentHello();
            slot.serving().report(report(), 0);
        }
    }

    @Test
    void aReportingWorkerSilentForTheHangTimeoutIsHung() {
        App app = online(AppSpec.builder().hangTimeoutMs(10_000L));
        reporting(app);
        loop.advance(9_999);
        assertEquals(List.of(), Guards.judge(app, AWAKE));
        loop.advance(1);
        List<Guards.Verdict> verdicts = Guards.judge(app, AWAKE);
        assertEquals(Guards.Kind.HANG, verdicts.get(0).kind());
        assertTrue(verdicts.get(0).why().startsWith("no report for 10s"), verdicts.get(0).why());
    }

    @Test
    void silenceWhileTheSupervisorItselfWasPausedIsNoHang() {
        App app = online(AppSpec.builder().hangTimeoutMs(3_000L).instances(2));
        reporting(app);
        loop.advance(20_000); // SIGSTOP of the supervisor: the workers' reports queue unread
        assertEquals(List.of(), Guards.judge(app, 0), "just resumed");
        assertEquals(List.of(), Guards.judge(app, 2_999), "the queued reports are read within the first second");
        assertEquals(2, Guards.judge(app, 3_000).size() + 1, "awake for the whole timeout and still silent: one is judged hung");
    }

    @Test
    void onlyOneWorkerOfAnAppIsTakenDownForAHangAtATime() {
        App app = online(AppSpec.builder().hangTimeoutMs(3_000L).instances(2));
        reporting(app);
        loop.advance(3_000);
        List<Guards.Verdict> verdicts = Guards.judge(app, AWAKE);
        assertEquals(1, verdicts.size(), "both are silent, one is taken down: " + verdicts);
        Slot first = verdicts.get(0).slot();
        first.hang(verdicts.get(0).why());
        assertEquals(List.of(), Guards.judge(app, AWAKE), "its thread dump is being written");
        loop.advance(Attempt.THREAD_DUMP_GRACE_MS);
        assertEquals(SlotState.LAUNCHING, first.state(), "killed, restarted at once: it had served");
        assertEquals(List.of(), Guards.judge(app, AWAKE), "not back yet");
        loop.advance(100); // restarted at once: it had served; listening again within a poll
        assertEquals(SlotState.ONLINE, first.state());
        List<Guards.Verdict> next = Guards.judge(app, AWAKE);
        assertEquals(1, next.size(), next.toString());
        assertTrue(next.get(0).slot() != first, "now the other one");
    }

    /** One reporting worker silent for its 3 s hang timeout, judged hung: its thread dump is asked for. */
    private Slot hungWorker() {
        App app = online(AppSpec.builder().hangTimeoutMs(3_000L));
        reporting(app);
        Slot slot = app.slots().get(0);
        loop.advance(3_000);
        slot.hang(Guards.judge(app, AWAKE).get(0).why());
        assertEquals(List.of("QUIT"), processes.last().received);
        return slot;
    }

    @Test
    void aWorkerThatReportsAfterItsThreadDumpIsNotKilled() {
        Slot slot = hungWorker();
        FakeProcess process = processes.last();
        loop.advance(500);
        slot.serving().report(report(), 0); // it was a long GC pause, say: it reports again
        loop.advance(Attempt.THREAD_DUMP_GRACE_MS);
        assertEquals(List.of("QUIT"), process.received, "no SIGKILL");
        assertEquals(AttemptState.READY, slot.serving().state());
        assertEquals(SlotState.ONLINE, slot.state());
    }

    @Test
    void aWorkerStillSilentAfterItsThreadDumpIsKilledAndRestarted() {
        hungWorker();
        FakeProcess process = processes.last();
        loop.advance(Attempt.THREAD_DUMP_GRACE_MS);
        assertEquals(List.of("QUIT", "KILL"), process.received);
        loop.runDue();
        assertEquals(2, processes.started.size(), "restarted at once");
    }

    @Test
    void aWorkerThatIsNotServingIsNotJudged() {
        App app = online(AppSpec.builder().maxMemoryBytes(64L << 20));
        Slot slot = app.slots().get(0);
        slot.telemetry().onProcessSample(1, 1L << 30, 10, 1, false);
        processes.started.get(0).exit(1);
        loop.runDue();
        assertEquals(List.of(), Guards.judge(app, AWAKE));
    }
}
