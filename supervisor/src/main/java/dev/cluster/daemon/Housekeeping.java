package dev.cluster.daemon;

import dev.cluster.metrics.ProcessSampler;
import dev.cluster.reload.Rollout;
import dev.cluster.worker.App;
import dev.cluster.worker.Guards;
import dev.cluster.worker.Loop;
import dev.cluster.worker.Slot;
import dev.cluster.worker.Standby;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the supervisor does every second, as named steps (Gunicorn's arbiter: reap, murder,
 * manage): sample the workers' processes, judge the guards, send monit its frame.
 */
final class Housekeeping {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
    private static final long TICK_MS = 1_000;
    /** A tick this late means the supervisor did not run meanwhile (SIGSTOP, a starved machine). */
    private static final long PAUSE_MS = 1_000;

    private final Supervisor supervisor;
    private final ProcessSampler sampler;
    private final Rollout rollout;
    private final Loop loop;
    private boolean sampling;
    private long lastTickNanos;
    /** Since when the supervisor has run without a pause: silences are counted only from then. */
    private long awakeSinceNanos;

    Housekeeping(Supervisor supervisor, ProcessSampler sampler, Rollout rollout, Loop loop) {
        this.supervisor = supervisor;
        this.sampler = sampler;
        this.rollout = rollout;
        this.loop = loop;
        lastTickNanos = awakeSinceNanos = loop.nanoTime();
        loop.schedule(this::tick, TICK_MS);
    }

    private void tick() {
        long now = loop.nanoTime();
        long lateMs = (now - lastTickNanos) / 1_000_000 - TICK_MS;
        if (lateMs > PAUSE_MS) {
            log.warn("the supervisor's 1 s tick came {} ms late (it was stopped, or starved of CPU): the hang guard counts workers' silence from now", lateMs);
            awakeSinceNanos = now;
        }
        lastTickNanos = now;
        sampleProcesses();
        noticeOverwrittenJars();
        guard((now - awakeSinceNanos) / 1_000_000);
        supervisor.sendFrames();
        loop.schedule(this::tick, TICK_MS);
    }

    /** A jar copied onto while workers run from it: seen within a second, and logged once per process (see JarWatch). */
    private void noticeOverwrittenJars() {
        supervisor.apps().values().forEach(app -> app.attempts().forEach(attempt -> attempt.process().jarOverwritten()));
    }

    /** The OS's figures for every serving process and every standby: read off the loop (on the file thread), applied on it. */
    private void sampleProcesses() {
        if (sampling) {
            return; // the previous pass is still reading /proc
        }
        Map<Long, Slot> byPid = supervisor.apps().values().stream().flatMap(a -> a.slots().stream()).filter(s -> s.pid() != null)
                .collect(Collectors.toMap(s -> s.serving().appPid(), s -> s, (a, b) -> a));
        Map<Long, Standby> standbys = supervisor.apps().values().stream().flatMap(a -> a.standbys().list().stream())
                .collect(Collectors.toMap(Standby::pid, s -> s, (a, b) -> a));
        if (byPid.isEmpty() && standbys.isEmpty()) {
            return;
        }
        Set<Long> pids = new HashSet<>(byPid.keySet());
        pids.addAll(standbys.keySet());
        sampling = true;
        sampler.sample(pids).whenCompleteAsync((samples, failure) -> {
            sampling = false;
            if (failure != null) {
                log.warn("sampling worker processes failed: {}", failure.toString());
                return;
            }
            samples.forEach((pid, s) -> {
                Slot slot = byPid.get(pid);
                if (slot == null) {
                    standbys.get(pid).sampled(s.cpuPercent(), s.rssBytes(), s.stopped());
                } else if (slot.pid() != null && pid == slot.serving().appPid()) { // not replaced meanwhile
                    slot.sampled(s.cpuPercent(), s.rssBytes(), s.threads(), s.cpuTimeMs(), s.stopped());
                }
            });
        }, loop);
    }

    /** {@code --hang-timeout} and {@code --max-memory-restart}: the verdicts, acted on by the supervisor. */
    private void guard(long awakeMs) {
        for (App app : supervisor.apps().values()) {
            Guards.judge(app, awakeMs).forEach(this::act);
        }
    }

    /** A hung worker is dumped and killed; one over its memory limit replaced as a reload replaces it. */
    private void act(Guards.Verdict verdict) {
        App app = verdict.slot().app();
        switch (verdict.kind()) {
            case HANG -> verdict.slot().hang(verdict.why());
            case MEMORY -> {
                if (!app.idle()) {
                    return;
                }
                log.info("{} (pid {}) {}: replacing it without downtime", verdict.slot().name(), verdict.slot().pid(), verdict.why());
                app.begin(App.Operation.MEMORY_REPLACEMENT);
                rollout.replaceOverMemory(verdict.slot(), verdict.why(), step -> log.info("memory restart: {}", step))
                        .whenCompleteAsync((done, failure) -> {
                            app.end(App.Operation.MEMORY_REPLACEMENT);
                            if (failure != null) {
                                log.warn("memory restart of {} failed: {}", verdict.slot().name(), Rollout.cause(failure).getMessage());
                            }
                        }, loop);
            }
        }
    }
}
