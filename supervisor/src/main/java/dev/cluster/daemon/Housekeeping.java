package dev.cluster.daemon;

import dev.cluster.metrics.ProcessSampler;
import dev.cluster.worker.App;
import dev.cluster.worker.Guards;
import dev.cluster.worker.Loop;
import dev.cluster.worker.Slot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the supervisor does every second, as named steps (Gunicorn's arbiter: reap, murder,
 * manage): sample the workers' processes, judge the guards, send monit its frame.
 */
final class Housekeeping {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
    private static final long TICK_MS = 1_000;

    private final Supervisor supervisor;
    private final ProcessSampler sampler;
    private final Loop loop;
    private boolean sampling;

    Housekeeping(Supervisor supervisor, ProcessSampler sampler, Loop loop) {
        this.supervisor = supervisor;
        this.sampler = sampler;
        this.loop = loop;
        loop.schedule(this::tick, TICK_MS);
    }

    private void tick() {
        sampleProcesses();
        guard();
        supervisor.sendFrames();
        loop.schedule(this::tick, TICK_MS);
    }

    /** The OS's figures for every serving process: read off the loop (on the file thread), applied on it. */
    private void sampleProcesses() {
        if (sampling) {
            return; // the previous pass is still reading /proc
        }
        Map<Long, Slot> byPid = supervisor.apps().values().stream().flatMap(a -> a.slots().stream()).filter(s -> s.pid() != null)
                .collect(Collectors.toMap(Slot::pid, s -> s, (a, b) -> a));
        if (byPid.isEmpty()) {
            return;
        }
        sampling = true;
        sampler.sample(byPid.keySet()).whenCompleteAsync((samples, failure) -> {
            sampling = false;
            if (failure != null) {
                log.warn("sampling worker processes failed: {}", failure.toString());
                return;
            }
            samples.forEach((pid, s) -> {
                Slot slot = byPid.get(pid);
                if (pid.equals(slot.pid())) { // not replaced meanwhile
                    slot.telemetry().onProcessSample(s.cpuPercent(), s.rssBytes(), s.threads(), s.cpuTimeMs());
                }
            });
        }, loop);
    }

    /** {@code --hang-timeout} and {@code --max-memory-restart}: the verdicts, acted on by the supervisor. */
    private void guard() {
        long now = System.currentTimeMillis();
        for (App app : supervisor.apps().values()) {
            Guards.judge(app, now).forEach(supervisor::act);
        }
    }
}
