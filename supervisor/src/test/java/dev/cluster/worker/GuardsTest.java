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
                LagHistograms.encode(h), 10, 20, 30, 1, 5, 12, 700, LagHistograms.summary(h));
    }

    @Test
    void aWorkerOverItsMemoryLimitIsToBeReplaced() {
        App app = online(AppSpec.builder().maxMemoryBytes(64L << 20));
        Slot slot = app.slots().get(0);
        slot.telemetry().onProcessSample(1, 63L << 20, 10, 1);
        assertEquals(List.of(), Guards.judge(app, 0));
        slot.telemetry().onProcessSample(1, 65L << 20, 10, 1);
        List<Guards.Verdict> verdicts = Guards.judge(app, 0);
        assertEquals(1, verdicts.size());
        assertEquals(Guards.Kind.MEMORY, verdicts.get(0).kind());
        assertTrue(verdicts.get(0).why().contains("over --max-memory-restart 64M"), verdicts.get(0).why());
    }

    @Test
    void aReportingWorkerSilentForTheHangTimeoutIsHung() {
        App app = online(AppSpec.builder().hangTimeoutMs(10_000L));
        Slot slot = app.slots().get(0);
        slot.serving().onAgentHello();
        slot.report(slot.serving(), report(), 1_000);
        assertEquals(List.of(), Guards.judge(app, 10_999));
        List<Guards.Verdict> verdicts = Guards.judge(app, 11_000);
        assertEquals(Guards.Kind.HANG, verdicts.get(0).kind());
        assertTrue(verdicts.get(0).why().startsWith("no report for 10s"), verdicts.get(0).why());
    }

    @Test
    void aWorkerThatIsNotServingIsNotJudged() {
        App app = online(AppSpec.builder().maxMemoryBytes(64L << 20));
        Slot slot = app.slots().get(0);
        slot.telemetry().onProcessSample(1, 1L << 30, 10, 1);
        processes.started.get(0).exit(1);
        loop.runDue();
        assertEquals(List.of(), Guards.judge(app, 0));
    }
}
