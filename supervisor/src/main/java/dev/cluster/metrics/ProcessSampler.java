package dev.cluster.metrics;

import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The OS's view of the workers (OSHI): CPU, resident memory and threads, one pass for all of them.
 * Reading /proc takes milliseconds, so it runs on a thread of its own, never on the supervisor's loop.
 */
public final class ProcessSampler implements AutoCloseable {
    /** CPU in percent of one core over the time since the previous sample (PM2's convention: 4 busy cores read 400). */
    public record Sample(double cpuPercent, long rssBytes, int threads, long cpuTimeMs) {
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "process-sampler");
        t.setDaemon(true);
        return t;
    });
    private OperatingSystem os;
    private final Map<Long, OSProcess> processes = new HashMap<>();
    private final Map<Long, long[]> previous = new HashMap<>();

    /** Samples {@code pids}; the future completes on the sampler's thread. Processes gone meanwhile are left out. */
    public CompletableFuture<Map<Long, Sample>> sample(Set<Long> pids) {
        return CompletableFuture.supplyAsync(() -> sampleNow(pids), thread);
    }

    private Map<Long, Sample> sampleNow(Set<Long> pids) {
        if (os == null) {
            os = new SystemInfo().getOperatingSystem();
        }
        processes.keySet().retainAll(pids);
        previous.keySet().retainAll(pids);
        Map<Long, Sample> samples = new HashMap<>();
        for (long pid : pids) {
            OSProcess process = processes.get(pid);
            if (process == null || !process.updateAttributes()) {
                process = os.getProcess((int) pid);
                if (process == null) {
                    processes.remove(pid);
                    continue;
                }
                processes.put(pid, process);
            }
            long cpuMs = process.getKernelTime() + process.getUserTime();
            long now = System.nanoTime();
            long[] before = previous.put(pid, new long[] {cpuMs, now});
            double cpu = before == null
                    ? 100 * process.getProcessCpuLoadCumulative()
                    : 100.0 * (cpuMs - before[0]) / Math.max(1, (now - before[1]) / 1_000_000.0);
            samples.put(pid, new Sample(Math.round(cpu * 10) / 10.0, process.getResidentMemory(), process.getThreadCount(), cpuMs));
        }
        return samples;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
