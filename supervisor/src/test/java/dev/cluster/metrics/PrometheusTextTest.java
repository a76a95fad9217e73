package dev.cluster.metrics;

import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.PoolReport;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextTest {
    /** An app whose standbys are missing (given up, or one still starting) shows it beside the number it should keep. */
    @Test
    void eachAppsStandbysBesideTheNumberWanted() {
        String text = PrometheusText.render(Map.of("web", List.of()), Map.of(), Map.of("web", new PrometheusText.Standbys(0, 1)), 1_000);
        assertTrue(text.contains("# TYPE cluster_app_standbys gauge\n"), text);
        assertTrue(text.contains("\ncluster_app_standbys{app=\"web\"} 0\n"), text);
        assertTrue(text.contains("\ncluster_app_standbys_wanted{app=\"web\"} 1\n"), text);
    }

    /** Stalls the machine caused (the loop's thread waited for a processor) counted apart: an alert on code stalls subtracts them. */
    @Test
    void stallsThatWaitedForAProcessorAreCountedApart() {
        WorkerTelemetry telemetry = new WorkerTelemetry();
        List<String> stack = List.of("com.example.Handler.channelRead(Handler.java:42)");
        telemetry.onBlocked(new BlockedReport("loop-0", 300, 1, stack, false, 40));
        telemetry.onBlocked(new BlockedReport("loop-0", 160, 2, stack, false, 150));
        WorkerInfo worker = new WorkerInfo("web", 0, 100L, "online", 0, 1_000, 8080, null, null, null, new LagSummary(0.05, 0.1, 1, 2, 500), false,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        String text = PrometheusText.render(Map.of("web", List.of(new PrometheusText.Row(worker, telemetry))), Map.of(), Map.of(), 1_000);
        assertTrue(text.contains("\ncluster_event_loop_stalls_total{app=\"web\",id=\"0\"} 2\n"), text);
        assertTrue(text.contains("\ncluster_event_loop_stalls_cpu_starved_total{app=\"web\",id=\"0\"} 1\n"), text);
    }

    /** A pool that does not count what waits for it (Quarkus's) has no queued sample: a 0 or a -1 would be a made-up figure. */
    @Test
    void aQueueThePoolDoesNotCountHasNoSample() {
        WorkerTelemetry telemetry = new WorkerTelemetry();
        TelemetryReport base = WorkerTelemetryTest.report(100);
        telemetry.onReport(new TelemetryReport(base.intervalMs(), base.lag(), base.lagBuckets(), base.lagSumUs(), base.loops(), base.jvmLag(),
                base.heapUsedBytes(), base.heapCommittedBytes(), base.heapMaxBytes(), base.gcCount(), base.gcPauseMs(), base.threads(),
                base.cpuTimeMs(), base.summary(), base.liveBytes(), List.of(new PoolReport("executor-thread", "jboss", 3, 200, -1, -1),
                        new PoolReport("hash", "executor", 1, 2, 4, 0))), 1_000);
        WorkerInfo worker = new WorkerInfo("web", 0, 100L, "online", 0, 1_000, 8080, null, null, null, new LagSummary(0.05, 0.1, 1, 2, 500), false,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        String text = PrometheusText.render(Map.of("web", List.of(new PrometheusText.Row(worker, telemetry))), Map.of(), Map.of(), 1_000);
        assertTrue(text.contains("\ncluster_pool_active{app=\"web\",id=\"0\",pool=\"executor-thread\",kind=\"jboss\"} 3\n"), text);
        assertTrue(text.contains("\ncluster_pool_queued{app=\"web\",id=\"0\",pool=\"hash\",kind=\"executor\"} 4\n"), text);
        assertFalse(text.contains("cluster_pool_queued{app=\"web\",id=\"0\",pool=\"executor-thread\""), text);
    }
}
