package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A worker's share of the machine ({@code --share on}, the default). Every JVM sizes itself for the
 * whole host: GC and ForkJoin threads and most frameworks' event loops for every core, a default
 * maximum heap of a quarter of the RAM. N workers on one host oversubscribe it N times. So each
 * worker JVM is told the processors the app's workers divide among themselves
 * ({@code -XX:ActiveProcessorCount}, which reaches every framework at once) and the JVM's default
 * heap share divided likewise ({@code -XX:MaxRAMPercentage}), unless the app's own JVM options set
 * them. Any app (a jar or not) gets the processor count as {@code CLUSTER_PROCESSORS}.
 *
 * @param processors  the processors of one worker's share, at least 1
 * @param heapPercent one worker's share of the RAM for its heap, in percent
 */
public record Share(int processors, double heapPercent) {
    /** The JVM's own default: a quarter of the RAM for the heap of one JVM on the machine. */
    static final double JVM_DEFAULT_HEAP_PERCENT = 25;
    /** The largest heap the JVM addresses with compressed object pointers. */
    private static final long COMPRESSED_OOPS_MAX_HEAP = 32L << 30;

    public static Share of(AppSpec spec, int cores) {
        return of(spec.instances(), cores);
    }

    /** The share of each of {@code workers} workers. */
    public static Share of(int workers, int cores) {
        int among = Math.max(1, workers);
        return new Share(Math.max(1, cores / among), JVM_DEFAULT_HEAP_PERCENT / among);
    }

    /** The JVM options that give a worker this share, those the app's own options ({@link AppJvmOptions}) leave unset. */
    public List<String> jvmOptions(List<String> appOptions) {
        List<String> options = new ArrayList<>();
        if (!setsProcessors(appOptions)) {
            options.add("-XX:ActiveProcessorCount=" + processors);
        }
        if (!setsHeap(appOptions)) {
            options.add("-XX:MaxRAMPercentage=" + percent());
        }
        return options;
    }

    /**
     * What of this share a start-up archive depends on, for its key (null: nothing). A scale changes
     * every worker's share, and no archive depends on the processors or the heap's size, only on
     * whether the heap is small enough for compressed object pointers: the JVM refuses an archive
     * dumped the other way. So a scale keeps the app's archive, unless the heap crosses that line.
     */
    public String archiveTrait(List<String> appOptions, long ramBytes) {
        return setsHeap(appOptions) || heapPercent * ramBytes / 100 < COMPRESSED_OOPS_MAX_HEAP ? null : "-XX:-UseCompressedOops";
    }

    /** For {@code describe}: what each worker gets, and what the app's own options set instead. */
    public String describe(List<String> appOptions) {
        return (setsProcessors(appOptions) ? "processors as its own JVM options say" : processors + " processor(s)")
                + ", " + (setsHeap(appOptions) ? "heap as its own JVM options say" : "a heap of at most " + percent() + " % of the RAM")
                + " per worker";
    }

    private String percent() {
        return String.format(Locale.ROOT, "%.2f", heapPercent).replaceAll("\\.?0+$", "");
    }

    private static boolean setsProcessors(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith("-XX:ActiveProcessorCount="));
    }

    private static boolean setsHeap(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith("-Xmx") || o.startsWith("-XX:MaxHeapSize=") || o.startsWith("-XX:MaxRAM=")
                || o.startsWith("-XX:MaxRAMPercentage=") || o.startsWith("-XX:MaxRAMFraction="));
    }
}
