package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * An app's standbys ({@code --standby N}): workers started ahead of need, brought to the moment before
 * they serve, one handed a slot's socket when its worker dies. Kept while the app is up and no reload
 * runs; refilled a second after one is taken; given up, as a crash loop is, when they keep exiting
 * before they are needed. Runs on the loop.
 */
public final class StandbyPool {
    private static final Logger log = LoggerFactory.getLogger(StandbyPool.class);

    private final App app;
    private final Loop loop;
    private final ProcessStarter starter;
    /** Workers started ahead of need ({@code --standby N}), in the order they started. */
    private final List<Standby> standbys = new ArrayList<>();
    /** Standbys told to stop and not yet gone: their connection is still a standby's, and the supervisor's exit waits for them. */
    private final List<Standby> stopping = new ArrayList<>();
    /** Whether a refill of the standbys is scheduled: a second after one was taken, or after one exited (backing off). */
    private boolean refillScheduled;
    private static final long REFILL_DELAY_MS = 1_000;
    /**
     * Standbys that exit before they were needed, as crashed workers are: one that never got as far
     * as waiting for its socket is an unstable run; the next starts after a back-off from a second up,
     * and after {@code --max-restarts} of them in a row the app keeps none until it is started or
     * reloaded again, rather than start a JVM every few seconds for ever.
     */
    private RestartPolicy policy;
    private boolean givenUp;
    /** Why no standby of this app could wait before it serves ({@link #cannotWait()}), once found; null while none is known. */
    private String cannotWait;
    /** Whether the app has served since it was last started: standbys are kept from then until it is stopped. */
    private boolean up;

    StandbyPool(App app, Loop loop, ProcessStarter starter) {
        this.app = app;
        this.loop = loop;
        this.starter = starter;
        this.policy = policy();
    }

    private RestartPolicy policy() {
        AppSpec spec = app.spec();
        return new RestartPolicy(REFILL_DELAY_MS, spec.maxRestarts(), spec.minUptimeMs());
    }

    /** The app is started or reloaded again: standbys that had failed are tried afresh. */
    void retry() {
        policy = policy();
        givenUp = false;
    }

    /** For {@code describe}: the standbys kept, each waiting or starting, or why there are none; null when the app keeps none. */
    public String describe() {
        if (app.spec().standby() == 0) {
            return null;
        }
        if (cannotWait != null) {
            return "none: " + cannotWait;
        }
        if (givenUp) {
            return "none: given up after " + (app.spec().maxRestarts() + 1) + " in a row exited before they were ready (see the daemon log);"
                    + " a start or reload tries again";
        }
        StringBuilder line = new StringBuilder(waiting() + " of " + app.spec().standby() + " waiting");
        String separator = ": ";
        for (Standby standby : standbys) {
            line.append(separator).append("pid ").append(standby.pid())
                    .append(!standby.waiting() ? " (starting)" : standby.paused() ? " (paused: passed over until it runs again)" : "");
            separator = ", ";
        }
        return line.toString();
    }

    /** How many standbys wait for a slot and could take one over (the others are still starting, or paused). */
    public int waiting() {
        return (int) standbys.stream().filter(StandbyPool::ready).count();
    }

    private static boolean ready(Standby standby) {
        return standby.waiting() && !standby.paused();
    }

    /** The standbys, waiting or still starting. */
    public List<Standby> list() {
        return standbys;
    }

    /** A standby of this app by its pid: waiting, starting, or told to stop and not yet gone. */
    public Optional<Standby> withPid(long pid) {
        return Stream.concat(standbys.stream(), stopping.stream()).filter(s -> s.pid() == pid).findFirst();
    }

    /** Completes once every standby told to stop is gone (SIGKILL follows SIGTERM after the kill timeout). */
    public CompletableFuture<Void> stopped() {
        return CompletableFuture.allOf(stopping.stream().map(s -> s.process().exited()).toArray(CompletableFuture[]::new));
    }

    /**
     * A standby that waits for its socket, taken out of the pool for {@code slot} and handed its socket at once, before the
     * slot's bookkeeping (its first request waits for none of it: 1-4 ms on a busy 2-core VM); null if none waits (a paused one
     * would serve nothing). Another starts behind it a second later, not at once: starting a JVM would hold up the takeover on this
     * loop and compete for the processors with the first requests of the one that took over.
     */
    Standby take(Slot slot) {
        Standby taken = standbys.stream().filter(StandbyPool::ready).findFirst().orElse(null);
        if (taken != null) {
            standbys.remove(taken);
            scheduleRefill(REFILL_DELAY_MS);
            try {
                taken.handSocket(slot);
            } catch (IOException e) {
                // said by its takeOver, which meets it again
            }
        } else {
            standbys.stream().filter(Standby::paused).forEach(s -> log.warn(
                    "{}: standby pid {} is paused (its process is stopped: SIGSTOP, a debugger): passed over, the slot starts a new process", app.name(),
                    s.pid()));
        }
        return taken;
    }

    /**
     * As many standbys as {@code --standby} says while the app is up (a worker of it has served and it is not stopped) and no
     * reload is under way (a reload's standbys would be of the old version: they start after it); none
     * otherwise. The newest go first when there are too many.
     */
    void balance() {
        if (app.slots().stream().anyMatch(s -> s.state() == SlotState.ONLINE)) {
            if (!up) {
                retry();
            }
            up = true;
        } else if (app.slots().stream().noneMatch(s -> s.state() == SlotState.LAUNCHING || s.state() == SlotState.EXITED)) {
            up = false; // stopped, stopping or errored: a crash of its only worker is not (that is what standbys are for)
        }
        String cannot = app.spec().standby() > 0 ? cannotWait() : null;
        if (cannot != null && cannotWait == null) {
            log.warn("{}: no standbys: {}", app.name(), cannot);
        }
        cannotWait = cannot;
        int wanted = up && !app.reloading() && !givenUp && cannotWait == null ? app.spec().standby() : 0;
        while (standbys.size() > wanted) {
            stop(standbys.remove(standbys.size() - 1));
        }
        while (standbys.size() < wanted && !refillScheduled) {
            try {
                WorkerProcess process = starter.startStandby(app.spec());
                Standby standby = new Standby(process, loop.nanoTime());
                standbys.add(standby);
                process.exited().thenAcceptAsync(status -> standbyExited(standby, status), loop);
            } catch (IOException e) {
                log.warn("{}: cannot start a standby: {}", app.name(), e.getMessage());
                scheduleRefill(REFILL_DELAY_MS);
            }
        }
    }

    /**
     * A worker took its slot's socket from the supervisor. Standbys kept off for want of one (its
     * worker was counted ready when its time ran out, before it asked) can wait now.
     */
    void socketTaken() {
        if (cannotWait != null) {
            balance();
        }
    }

    /**
     * Why a standby of this app could not wait before it serves, judged by its online workers; null
     * when it can, or while none is online. A standby waits for its slot's socket (the library in
     * {@code inheritListeners}, the agent in the app's bind); an app whose workers bind the port
     * themselves never asks for one, and its standby would serve (or consume its queue) as soon as it
     * started, counted nowhere.
     */
    private String cannotWait() {
        List<Attempt> online = app.slots().stream().filter(s -> s.state() == SlotState.ONLINE).map(Slot::serving).filter(a -> a != null).toList();
        if (online.isEmpty() || online.stream().anyMatch(Attempt::tookSocket)) {
            return null;
        }
        return "its workers take no socket from the supervisor (pid " + online.get(0).pid() + " " + (online.get(0).readinessAssumed()
                ? "did not listen on port " + app.spec().port() + " in time" : "bound port " + app.spec().port() + " itself")
                + "), so a standby would serve as soon as it started: standbys need a jar app (the agent holds its bind) or the library"
                + " (ClusterWorker.inheritListeners)";
    }

    /** Stops a standby no longer in the pool: one too many, or one taken by a slot that was stopped before it took over. */
    void stop(Standby standby) {
        stopping.add(standby);
        standby.stop(loop, app.spec().killTimeoutMs(), app.name()).whenCompleteAsync((status, failure) -> stopping.remove(standby), loop);
    }

    private void standbyExited(Standby standby, int status) {
        if (!standbys.remove(standby)) {
            return; // one stopped on purpose, or one that took over a slot
        }
        long uptimeMs = (loop.nanoTime() - standby.startedNanos()) / 1_000_000;
        String exit = Signals.describeUnaskedExit(status, starter::oomKillJustNow);
        RestartPolicy.Decision decision = policy.afterCrash(uptimeMs, standby.waiting(), !standby.waiting());
        if (decision.errored()) {
            givenUp = true;
            List<String> said = ExitOutput.of(standby.process().lastErrLines(), standby.process().lastOutLines()).lines();
            log.error("{}: no more standbys: {} in a row exited before they were ready to take over, the last (pid {}) {}{};"
                    + " its output is in {}-standby-*.log; a start or reload of the app tries again", app.name(), decision.unstableRestarts() + 1,
                    standby.pid(), exit, said.isEmpty() ? "" : ": " + said.get(said.size() - 1), app.name());
            return;
        }
        long delayMs = Math.max(REFILL_DELAY_MS, decision.delayMs());
        log.warn("{}: standby pid {} {} before it was needed; another starts in {} ms", app.name(), standby.pid(), exit, delayMs);
        scheduleRefill(delayMs);
    }

    private void scheduleRefill(long delayMs) {
        if (!refillScheduled) {
            refillScheduled = true;
            loop.schedule(() -> {
                refillScheduled = false;
                balance();
            }, delayMs);
        }
    }
}
