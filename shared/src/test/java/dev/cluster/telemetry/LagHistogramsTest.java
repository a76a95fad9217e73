package dev.cluster.telemetry;

import dev.cluster.protocol.LagSummary;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LagHistogramsTest {
    /** Two workers: one healthy (lag under 1 ms), one with a few long stalls. */
    @Test
    void mergedP99IsTheP99OfTheUnionOfSamplesNotAnAverage() {
        Random random = new Random(42);
        Histogram healthy = LagHistograms.create();
        Histogram stalling = LagHistograms.create();
        List<Long> union = new ArrayList<>();
        for (int i = 0; i < 9_000; i++) {
            long us = 20 + random.nextInt(800);
            healthy.recordValue(us);
            union.add(us);
        }
        for (int i = 0; i < 1_000; i++) {
            long us = i < 950 ? 50 + random.nextInt(500) : 150_000 + random.nextInt(100_000);
            stalling.recordValue(us);
            union.add(us);
        }
        // Through the wire form, as the supervisor receives them.
        Histogram merged = LagHistograms.create();
        merged.add(LagHistograms.decode(LagHistograms.encode(healthy)));
        merged.add(LagHistograms.decode(LagHistograms.encode(stalling)));

        Collections.sort(union);
        long exactP99 = union.get((int) Math.ceil(0.99 * union.size()) - 1);
        long mergedP99 = merged.getValueAtPercentile(99);
        assertEquals(union.size(), merged.getTotalCount());
        assertTrue(Math.abs(mergedP99 - exactP99) <= exactP99 / 100 + 1,
                "merged p99 " + mergedP99 + " µs vs exact " + exactP99 + " µs (2 significant digits allow 1 %)");
        long averaged = (healthy.getValueAtPercentile(99) + stalling.getValueAtPercentile(99)) / 2;
        assertTrue(Math.abs(averaged - exactP99) > exactP99 / 10, "averaging percentiles would have been wrong: " + averaged);
        assertEquals(union.get(union.size() - 1), merged.getMaxValue(), union.get(union.size() - 1) / 100.0);
    }

    @Test
    void summaryIsInMillisecondsAndEmptyIsNone() {
        Histogram h = LagHistograms.create();
        assertEquals(LagSummary.NONE, LagHistograms.summary(h));
        h.recordValue(200_000);
        LagSummary s = LagHistograms.summary(h);
        assertEquals(200, s.maxMs(), 2.0);
        assertEquals(1, s.samples());
    }

    @Test
    void garbageIsRefusedNotThrownAsSomethingElse() {
        assertThrows(IllegalArgumentException.class, () -> LagHistograms.decode("bm90IGEgaGlzdG9ncmFt"));
        assertThrows(IllegalArgumentException.class, () -> LagHistograms.decode("%%%"));
    }

    @Test
    void clampsIntoTheTrackableRange() {
        assertEquals(0, LagHistograms.clampUs(-5));
        assertEquals(LagHistograms.HIGHEST_US, LagHistograms.clampUs(Long.MAX_VALUE));
    }
}
