package dev.cluster.metrics;

import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.telemetry.LagHistograms;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class WorkerTelemetryTest {
    /** A second's report with these lag samples, in microseconds. */
    public static TelemetryReport report(long... samplesUs) {
        Histogram h = LagHistograms.create();
        for (long us : samplesUs) {
            h.recordValue(us);
        }
        return new TelemetryReport(1000, LagHistograms.encode(h), LagHistograms.bucketCounts(h), LagHistograms.sumUs(h),
                List.of(new TelemetryReport.LoopReport("loop-0", LagHistograms.summary(h), 0, 0)),
                LagHistograms.encode(LagHistograms.create()), 10, 20, 30, 1, 5, 12, 700, LagHistograms.summary(h), -1, List.of());
    }

    @Test
    void pausedIsTwoSamplesInARowThatFoundTheProcessStoppedNotOneAndANewProcessStartsUnpaused() {
        WorkerTelemetry t = new WorkerTelemetry();
        t.onProcessSample(0, 1, 1, 1, true); // strace -p stops it for an instant at each system call
        assertFalse(t.paused());
        t.onProcessSample(0, 1, 1, 1, false);
        t.onProcessSample(0, 1, 1, 1, true);
        assertFalse(t.paused());
        t.onProcessSample(0, 1, 1, 1, true);
        assertTrue(t.paused());
        t.onLaunch(42, 0);
        assertFalse(t.paused());
    }

    @Test
    void theSeriesMonitStartsWithAreEachSecondsOwnFiguresOldestFirst() {
        WorkerTelemetry t = new WorkerTelemetry();
        for (int s = 1; s <= 5; s++) {
            t.onReport(report(100, 200, s * 10_000L), s * 1_000L);
            t.onProcessSample(s, 1, 1, 1, false);
        }
        TelemetryInfo.Series series = t.series(3);
        assertEquals(3, series.maxMs().length);
        assertEquals(30, series.maxMs()[0], 0.5, "the oldest of the three: second 3's 30 ms");
        assertEquals(50, series.maxMs()[2], 0.5);
        assertEquals(5, series.cpuPercent()[2], 0.01);
        assertEquals(5, t.series(600).p99Ms().length, "no more than there is");
        assertEquals(50, t.glance(0).lag().get("1s").maxMs(), 0.5, "the newest report's own summary");
        assertEquals(null, t.glance(0).history(), "series only when asked for");
    }

    @Test
    void theProcessesTheHistorySpansAreThoseThatReportedNotEveryRunOfACrashLoop() {
        WorkerTelemetry t = new WorkerTelemetry();
        t.onLaunch(100, 1_000);
        t.onReport(report(100), 2_000);
        t.onReport(report(100), 3_000);
        for (long pid = 101; pid <= 110; pid++) {
            t.onLaunch(pid, pid * 1_000); // died before its first report
        }
        t.onLaunch(111, 120_000);
        t.onReport(report(100), 121_000);
        assertEquals(List.of(new TelemetryInfo.ProcessStart(100, 1_000), new TelemetryInfo.ProcessStart(111, 120_000)),
                t.details(121_000).processes());
    }

    @Test
    void windowsMergeTheSecondsInsideThemAndOnlyThose() {
        WorkerTelemetry t = new WorkerTelemetry();
        t.onReport(report(200_000), 1_000);           // a 200 ms stall, long ago
        t.onReport(report(100, 200, 300), 100_000);
        t.onReport(report(400, 5_000), 101_000);
        Histogram last10s = t.lag(101_000, 10_000);
        assertEquals(5, last10s.getTotalCount());
        assertEquals(5_000, last10s.getMaxValue(), 50);
        assertEquals(6, t.lag(101_000, 600_000).getTotalCount());
        TelemetryInfo details = t.details(101_000);
        assertEquals(2, details.lag().get("1s").samples(), "1s is the newest report alone");
        assertEquals(200, details.lag().get("10m").maxMs(), 2.0);
        assertEquals(3, details.gcCount());
    }

    @Test
    void prometheusBucketsAreCumulativeAndEndWithTheCount() {
        WorkerTelemetry t = new WorkerTelemetry();
        t.onReport(report(500, 900, 3_000, 150_000), 1_000);
        t.onReport(report(20_000_000), 2_000);
        long[] cumulative = t.cumulativeBuckets();
        assertEquals(2, cumulative[0], "<= 1 ms");
        assertEquals(3, cumulative[2], "<= 5 ms");
        assertEquals(4, cumulative[LagHistograms.BUCKET_BOUNDS_US.length - 1], "<= 10 s");
        assertEquals(5, cumulative[LagHistograms.BUCKET_BOUNDS_US.length], "+Inf is every sample");
        assertEquals(5, t.lagCount());
        for (int b = 1; b < cumulative.length; b++) {
            assertTrue(cumulative[b] >= cumulative[b - 1]);
        }
        assertEquals(20.154, t.lagSumSeconds(), 0.3);
    }

    @Test
    void aMalformedReportIsRefusedAndGarbageHistogramsCountAsEmpty() {
        WorkerTelemetry t = new WorkerTelemetry();
        TelemetryReport good = report(100);
        TelemetryReport noBuckets = new TelemetryReport(1000, good.lag(), new long[3], 0, good.loops(), good.jvmLag(), 1, 1, 1, 0, 0, 1, 1, null, -1, null);
        assertThrows(IllegalArgumentException.class, () -> t.onReport(noBuckets, 1_000));
        TelemetryReport garbage = new TelemetryReport(1000, "bm90IGEgaGlzdG9ncmFt", good.lagBuckets(), 0, good.loops(), good.jvmLag(), 1, 1, 1, 0, 0, 1, 1, null, -1, null);
        t.onReport(garbage, 1_000);
        t.onReport(good, 2_000);
        assertEquals(1, t.lag(2_000, 10_000).getTotalCount(), "the garbage second holds no samples; the good one does");
        assertArrayEquals(new long[] {1, 5}, new long[] {t.gcCount(), t.gcPauseMs()}, "the rest of both reports counts");
    }

    @Test
    void garbageInTheNewestReportStillLeavesDescribeWorking() {
        WorkerTelemetry t = new WorkerTelemetry();
        t.onReport(report(100), 1_000);
        TelemetryReport good = report(100);
        t.onReport(new TelemetryReport(1000, "bm90IGEgaGlzdG9ncmFt", good.lagBuckets(), 0, good.loops(), good.jvmLag(), 1, 1, 1, 0, 0, 1, 1, null, -1, null), 2_000);
        TelemetryInfo details = t.details(2_000);
        assertEquals(0, details.lag().get("1s").samples(), "the garbage second holds no samples");
        assertEquals(1, details.lag().get("10s").samples());
    }

    @Test
    void theRecentWindowFollowsNewReportsAndAgesOut() {
        WorkerTelemetry t = new WorkerTelemetry();
        t.onReport(report(100, 200), 1_000);
        assertEquals(2, t.recentLag(1_500).getTotalCount());
        t.onReport(report(300), 2_000);
        assertEquals(3, t.recentLag(2_500).getTotalCount(), "a new report is in");
        assertEquals(1, t.recentLag(11_500).getTotalCount(), "the first report has left the 10 s window");
        assertEquals(0, t.recentLag(30_000).getTotalCount());
        assertEquals(t.lag(2_500, WorkerTelemetry.LIST_WINDOW_MS).getTotalCount(), t.recentLag(2_500).getTotalCount());
    }

    @Test
    void historyIsBounded() {
        WorkerTelemetry t = new WorkerTelemetry();
        for (int s = 0; s < WorkerTelemetry.HISTORY + 50; s++) {
            t.onReport(report(1_000), s * 1_000L);
        }
        long now = (WorkerTelemetry.HISTORY + 49) * 1_000L;
        assertEquals(WorkerTelemetry.HISTORY, t.lag(now, Long.MAX_VALUE / 2).getTotalCount());
        LagSummary s = LagHistograms.summary(t.lag(now, 10_000));
        assertEquals(11, s.samples());
    }
}
