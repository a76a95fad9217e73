package dev.cluster.metrics;

import dev.cluster.worker.ProcessGroups;

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
 * The OS's view of the workers: CPU, resident memory and threads, one pass for all of them, each
 * worker with the processes it started (a start script's JVM). CPU
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
        Map<Long, long[]> before = new HashMap<>(previous);
        previous.clear(); // what is sampled now, and nothing gone
        Map<Long, Sample> samples = new HashMap<>();
        for (long pid : pids) {
            Sample worker = sampleOne(pid, before);
            if (worker == null) {
                continue; // gone, or not ours to read
            }
            // A start script that runs its JVM without exec: the JVM's CPU and memory are the worker's, and what
            // --max-memory-restart must see. Its children are read from /proc/PID/task/PID/children, not a scan of /proc.
            for (long child : ProcessGroups.children(pid, 3)) {
                Sample part = sampleOne(child, before);
                if (part != null) {
                    worker = new Sample(worker.cpuPercent() + part.cpuPercent(), worker.rssBytes() + part.rssBytes(),
                            worker.threads() + part.threads(), worker.cpuTimeMs() + part.cpuTimeMs(), worker.stopped() || part.stopped());
                }
            }
            samples.put(pid, worker);
        }
        return samples;
    }

    /** One process; its CPU over the time since {@code before} saw it (remembered in {@link #previous}), or null if it is gone. */
    private Sample sampleOne(long pid, Map<Long, long[]> before) {
        Optional<ProcessHandle.Info> info = ProcessHandle.of(pid).map(ProcessHandle::info);
        Optional<Duration> cpu = info.flatMap(ProcessHandle.Info::totalCpuDuration);
        Status status = Status.read(pid);
        if (cpu.isEmpty() || status == null) {
            return null;
        }
        long cpuMs = cpu.get().toMillis();
        long now = System.nanoTime();
        previous.put(pid, new long[] {cpuMs, now});
        long[] last = before.get(pid);
        double percent;
        if (last != null) {
            percent = 100.0 * (cpuMs - last[0]) / Math.max(1, (now - last[1]) / 1_000_000.0);
        } else { // first sight: the average since the process started
            long aliveMs = info.get().startInstant().map(start -> Duration.between(start, Instant.now()).toMillis()).orElse(0L);
            percent = aliveMs > 0 ? 100.0 * cpuMs / aliveMs : 0;
        }
        return new Sample(Math.round(percent * 10) / 10.0, status.rssBytes, status.threads, cpuMs, status.stopped);
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
