package dev.cluster.telemetry;

import dev.cluster.protocol.LagSummary;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;

/**
 * The one histogram shape both sides use: microseconds from 1 µs to 1 h at two significant digits
 * (1 % error: 2 ms on a 200 ms stall), and its wire form (HdrHistogram's compressed encoding in
 * base64, typically a few hundred bytes per second of samples).
 */
public final class LagHistograms {
    public static final long HIGHEST_US = 3_600_000_000L;
    public static final int SIGNIFICANT_DIGITS = 2;

    /**
     * Upper bounds of the coarse buckets a worker counts its lag samples into each second, in
     * microseconds (1 ms to 10 s): the buckets of the Prometheus histogram. Counted where the
     * samples are, the supervisor need not decode every report to expose them.
     */
    public static final long[] BUCKET_BOUNDS_US = {1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
            1_000_000, 2_500_000, 5_000_000, 10_000_000};

    private LagHistograms() {
    }

    /** Samples per coarse bucket (not cumulative; the last counts those above every bound). */
    public static long[] bucketCounts(Histogram h) {
        long[] counts = new long[BUCKET_BOUNDS_US.length + 1];
        for (HistogramIterationValue v : h.recordedValues()) {
            int b = 0;
            while (b < BUCKET_BOUNDS_US.length && v.getValueIteratedTo() > BUCKET_BOUNDS_US[b]) {
                b++;
            }
            counts[b] += v.getCountAtValueIteratedTo();
        }
        return counts;
    }

    /** The sum of all samples, in microseconds (each at its bucket's median-equivalent value). */
    public static long sumUs(Histogram h) {
        long sum = 0;
        for (HistogramIterationValue v : h.recordedValues()) {
            sum += h.medianEquivalentValue(v.getValueIteratedTo()) * v.getCountAtValueIteratedTo();
        }
        return sum;
    }

    public static Histogram create() {
        return new Histogram(1, HIGHEST_US, SIGNIFICANT_DIGITS);
    }

    /** A recorder of this shape: lock-free for the recording thread, read by interval from another. */
    public static Recorder recorder() {
        return new Recorder(1, HIGHEST_US, SIGNIFICANT_DIGITS);
    }

    /** Clamped into the trackable range, so a pathological stall cannot throw on the event loop. */
    public static long clampUs(long us) {
        return Math.max(0, Math.min(HIGHEST_US, us));
    }

    public static String encode(Histogram histogram) {
        return Base64.getEncoder().encodeToString(compress(histogram));
    }

    public static byte[] compress(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return bytes;
    }

    /** @throws IllegalArgumentException when the text is not an encoded histogram */
    public static Histogram decode(String base64) {
        return decompress(Base64.getDecoder().decode(base64));
    }

    public static Histogram decompress(byte[] bytes) {
        try {
            Histogram histogram = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
            if (histogram.getHighestTrackableValue() > HIGHEST_US) {
                throw new IllegalArgumentException("lag histogram range above 1 h");
            }
            return histogram;
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not a lag histogram: " + e.getMessage(), e);
        }
    }

    public static LagSummary summary(Histogram h) {
        if (h.getTotalCount() == 0) {
            return LagSummary.NONE;
        }
        return new LagSummary(ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()), h.getTotalCount());
    }

    private static double ms(long us) {
        return Math.round(us / 10.0) / 100.0; // 0.01 ms resolution is plenty for people and scripts
    }
}
