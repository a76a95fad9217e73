package dev.cluster.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The OS's view of the workers: CPU, resident memory and threads, one pass for all of them. CPU
 * time comes from the JDK ({@link ProcessHandle.Info}, which reads {@code /proc/<pid>/stat} with the
 * right clock tick), memory and threads from {@code /proc/<pid>/status}. OSHI did this before, but
 * it and the JNA it loads cost the daemon ~3.5 MB of its 64 MB budget for two numbers Linux hands
 * out as text. Reading /proc takes milliseconds, so it runs on the thread it is given (the daemon's
 * file thread, which also writes the logs), never on the supervisor's loop.
 */
public final class ProcessSampler {
    /**
     * CPU in percent of one core over the time since the previous sample (PM2's convention: 4 busy
     * cores read 400); {@code stopped}: the process is stopped by a signal (SIGSTOP, SIGTSTP) or by a
     * debugger ({@code T} or {@code t} in /proc), so it serves nothing until it runs again.
     */
    public record Sample(double cpuPercent, long rssBytes, int threads, long cpuTimeMs, boolean stopped) {
    }

    private final Executor thread;
    /** Per pid: CPU time and wall time (ns) of the previous sample. */
    private final Map<Long, long[]> previous = new HashMap<>();

    /** @param thread where the samples are taken: always the same single thread (the state here is not locked) */
    public ProcessSampler(Executor thread) {
        this.thread = thread;
    }

    /** Samples {@code pids}; the future completes on the sampler's thread. Processes gone meanwhile are left out. */
    public CompletableFuture<Map<Long, Sample>> sample(Set<Long> pids) {
        return CompletableFuture.supplyAsync(() -> sampleNow(pids), thread);
    }

    private Map<Long, Sample> sampleNow(Set<Long> pids) {
        previous.keySet().retainAll(pids);
        Map<Long, Sample> samples = new HashMap<>();
        for (long pid : pids) {
            Optional<ProcessHandle.Info> info = ProcessHandle.of(pid).map(ProcessHandle::info);
            Optional<Duration> cpu = info.flatMap(ProcessHandle.Info::totalCpuDuration);
            Status status = Status.read(pid);
            if (cpu.isEmpty() || status == null) {
                previous.remove(pid);
                continue; // gone, or not ours to read
            }
            long cpuMs = cpu.get().toMillis();
            long now = System.nanoTime();
            long[] before = previous.put(pid, new long[] {cpuMs, now});
            double percent;
            if (before != null) {
                percent = 100.0 * (cpuMs - before[0]) / Math.max(1, (now - before[1]) / 1_000_000.0);
            } else { // first sight: the average since the process started
                long aliveMs = info.get().startInstant().map(start -> Duration.between(start, Instant.now()).toMillis()).orElse(0L);
                percent = aliveMs > 0 ? 100.0 * cpuMs / aliveMs : 0;
            }
            samples.put(pid, new Sample(Math.round(percent * 10) / 10.0, status.rssBytes, status.threads, cpuMs, status.stopped));
        }
        return samples;
    }

    /** The lines of {@code /proc/<pid>/status} we need ({@code VmRSS} is in kB; {@code State} T or t: stopped). */
    private record Status(long rssBytes, int threads, boolean stopped) {
        static Status read(long pid) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            } catch (IOException e) {
                return null;
            }
            long rssKb = -1;
            int threads = -1;
            boolean stopped = false;
            for (String line : lines) {
                if (line.startsWith("State:")) {
                    char state = line.substring(6).trim().charAt(0);
                    stopped = state == 'T' || state == 't';
                } else if (line.startsWith("VmRSS:")) {
                    rssKb = Long.parseLong(line.substring(6).replace("kB", "").trim());
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).trim());
                }
            }
            return rssKb < 0 || threads < 0 ? null : new Status(rssKb * 1024, threads, stopped);
        }
    }
}
