package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * One supervised app: its spec, its slots (ids 0..N-1), its standbys, its listening sockets, and
 * the operation under way on it, if any.
 */
public final class App {
    private static final Logger log = LoggerFactory.getLogger(App.class);
    /**
     * The fix for an app whose workers show no readiness (they neither say ready nor listen): each
     * counts as online only when its time runs out, and a reload abandons such a replacement.
     */
    static final String IF_IT_SERVES_NO_PORT = "if it serves no port (a queue consumer, a job), give it --listen-timeout 0: "
            + "online at once, and a reload can replace its workers";
    /** What can own an app for a while: other commands on it are refused meanwhile, not queued (but see {@link #yieldTo}). */
    public enum Operation {
        START("start"), RELOAD("reload"), SCALE("scale"), RESTART("restart"), MEMORY_REPLACEMENT("memory replacement");

        private final String label;

        Operation(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * After a start: if a worker counts as online only because its time ran out, the words that
     * say so and how to start it right; else null.
     */
    public String readinessNotShown() {
        List<Attempt> assumed = slots.stream().map(Slot::serving).filter(a -> a != null && a.readinessAssumed()).toList();
        if (spec.servesNoPort() || assumed.isEmpty()) {
            return null;
        }
        // Most often the app listens, on a port of its own choosing (a fixed one in its configuration) rather than $PORT.
        List<PortListeners.Listener> listening = PortListeners.listening();
        List<Integer> elsewhere = assumed.stream().flatMap(a -> PortListeners.heldBy(a.pid(), listening).stream()).map(PortListeners.Listener::port)
                .filter(port -> port != spec.port() && !PortListeners.ephemeral(port)).distinct().sorted().toList();
        return name() + ": its workers neither said ready nor listened on port " + spec.port() + " in time, so they count as online; "
                + (elsewhere.isEmpty() ? IF_IT_SERVES_NO_PORT + "; if it is only slow to start, nothing to do: once it listens, its later starts wait as long"
                : "they listen on port " + elsewhere.get(0) + " instead: "
                + "have the app listen on $PORT, or 'cluster delete " + name() + "' and start it with --port " + elsewhere.get(0));
    }

    /** Another operation owns the app. */
    public static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    private AppSpec spec;
    private final List<Slot> slots = new ArrayList<>();
    private final SlotSockets sockets;
    private final Loop loop;
    private final ProcessStarter starter;
    private final Slot.Listener listener;
    private Operation operation;
    /** The stop, delete or kill that cut the operation under way short, or null (see {@link #yieldTo}). */
    private String preemptedBy;
    private boolean deleted;
    /** Why only one worker can serve this app (it binds its port without SO_REUSEPORT); null when not known to be so. */
    private String portNotShared;
    private final Readiness readiness = new Readiness();
    /** Workers started ahead of need ({@code --standby N}), in the order they started. */
    private final List<Standby> standbys = new ArrayList<>();
    /** Standbys told to stop and not yet gone: their connection is still a standby's, and the supervisor's exit waits for them. */
    private final List<Standby> stopping = new ArrayList<>();
    /** Pids of replacements given up and killed, until they exit (see {@link #givenUp(WorkerProcess)}). */
    private final Set<Long> givenUp = new HashSet<>();
    /** Whether a refill of the standbys is scheduled: a second after one was taken, or after one exited (backing off). */
    private boolean refillScheduled;
    private static final long STANDBY_REFILL_DELAY_MS = 1_000;
    /**
     * Standbys that exit before they were needed, as crashed workers are: one that never got as far
     * as waiting for its socket is an unstable run; the next starts after a back-off from a second up,
     * and after {@code --max-restarts} of them in a row the app keeps none until it is started or
     * reloaded again, rather than start a JVM every few seconds for ever.
     */
    private RestartPolicy standbyPolicy;
    private boolean standbysGivenUp;
    /** Why no standby of this app could wait before it serves ({@link #standbysCannotWait}), once found; null while none is known. */
    private String cannotWait;
    /** Whether the app has served since it was last started: standbys are kept from then until it is stopped. */
    private boolean up;

    /** How long a starting worker may take to be ready: learnt from the app's starts unless --listen-timeout says. */
    public Readiness readiness() {
        return readiness;
    }

    public App(AppSpec spec, SlotSockets sockets, Loop loop, ProcessStarter starter, Slot.Listener listener) {
        this.spec = spec;
        this.sockets = sockets;
        this.loop = loop;
        this.starter = starter;
        this.standbyPolicy = standbyPolicy(spec);
        this.listener = (slot, state) -> {
            listener.changed(slot, state);
            balanceStandbys();
        };
        for (int id = 0; id < spec.instances(); id++) {
            slots.add(new Slot(this, id, loop, starter, this.listener));
        }
    }

    public AppSpec spec() {
        return spec;
    }

    public void spec(AppSpec newSpec) {
        this.spec = newSpec;
    }

    private static RestartPolicy standbyPolicy(AppSpec spec) {
        return new RestartPolicy(STANDBY_REFILL_DELAY_MS, spec.maxRestarts(), spec.minUptimeMs());
    }

    /** The app is started or reloaded again: standbys that had failed are tried afresh. */
    private void retryStandbys() {
        standbyPolicy = standbyPolicy(spec);
        standbysGivenUp = false;
    }

    public String name() {
        return spec.name();
    }

    /** The slots, by id. */
    public List<Slot> slots() {
        return slots;
    }

    public Stream<Attempt> attempts() {
        return slots.stream().flatMap(Slot::attempts);
    }

    public SlotSockets sockets() {
        return sockets;
    }

    public Slot addSlot() {
        Slot slot = new Slot(this, slots.size(), loop, starter, listener);
        slots.add(slot);
        return slot;
    }

    /**
     * How many workers the share of this slot's running process was reckoned for, when that is not
     * how many the app has now; else 0. A JVM cannot be resized: after a scale the workers started
     * before it keep the old count's share ({@code --share on}) until a reload replaces them.
     */
    public int sharedAmongOthers(Slot slot) {
        int among = slot.pid() == null ? 0 : slot.serving().process().sharedAmong();
        return spec.shared() && among != 0 && among != spec.instances() ? among : 0;
    }

    /**
     * After a scale: "; worker N keeps the share …" naming the workers sized for the old count, and
     * how to resize them (logged too); empty when every worker has the app's share.
     */
    public String sharesKeptAfterScale() {
        List<String> ids = slots.stream().filter(s -> sharedAmongOthers(s) != 0).map(s -> Integer.toString(s.id())).toList();
        if (ids.isEmpty()) {
            return "";
        }
        String kept = (ids.size() == 1 ? "; worker " + ids.get(0) + " keeps the share of the machine it"
                : "; workers " + String.join(", ", ids) + " keep the share of the machine they") + " started with (--share)"
                + ": 'cluster reload " + name() + "' sizes every worker for " + spec.instances() + ", without downtime";
        log.info("{}: scaled to {}{}", name(), spec.instances(), kept);
        return kept;
    }

    /** Forgets the highest slots down to {@code count}: scaled down, their processes gone. */
    public void truncate(int count) {
        while (slots.size() > count) {
            slots.remove(slots.size() - 1);
        }
    }

    /** Takes the app for an operation; throws {@link Busy} naming the one under way. A reload retires the standbys of the old version. */
    public void begin(Operation next) {
        requireIdle();
        operation = next;
        preemptedBy = null;
        if (next == Operation.RELOAD) {
            retryStandbys();
        }
        balanceStandbys();
    }

    /** Ends the operation; every path out of one must call it (a mark left behind would refuse commands for ever). */
    public void end(Operation finished) {
        if (operation == finished) {
            operation = null;
        }
        balanceStandbys();
    }

    /** For {@code describe}: the standbys kept, each waiting or starting, or why there are none; null when the app keeps none. */
    public String describeStandbys() {
        if (spec.standby() == 0) {
            return null;
        }
        if (cannotWait != null) {
            return "none: " + cannotWait;
        }
        if (standbysGivenUp) {
            return "none: given up after " + (spec.maxRestarts() + 1) + " in a row exited before they were ready (see the daemon log);"
                    + " a start or reload tries again";
        }
        StringBuilder line = new StringBuilder(waitingStandbys() + " of " + spec.standby() + " waiting");
        String separator = ": ";
        for (Standby standby : standbys) {
            line.append(separator).append("pid ").append(standby.pid())
                    .append(!standby.waiting() ? " (starting)" : standby.paused() ? " (paused: passed over until it runs again)" : "");
            separator = ", ";
        }
        return line.toString();
    }

    /** How many standbys wait for a slot and could take one over (the others are still starting, or paused). */
    public int waitingStandbys() {
        return (int) standbys.stream().filter(App::ready).count();
    }

    private static boolean ready(Standby standby) {
        return standby.waiting() && !standby.paused();
    }

    /** The standbys, waiting or still starting. */
    public List<Standby> standbys() {
        return standbys;
    }

    /**
     * A process killed as given up (a reload's replacement), known until it exits: one that connects to
     * the worker socket meanwhile is its dying replacement, not a stranger.
     */
    void givenUp(WorkerProcess process) {
        long pid = process.pid();
        givenUp.add(pid);
        process.exited().whenCompleteAsync((status, failure) -> givenUp.remove(pid), loop);
    }

    /** Whether {@code pid} is a process given up and killed, not yet exited (see {@link #givenUp(WorkerProcess)}). */
    public boolean givenUp(long pid) {
        return givenUp.contains(pid);
    }

    /** A standby of this app by its pid: waiting, starting, or told to stop and not yet gone. */
    public Optional<Standby> standbyWithPid(long pid) {
        return Stream.concat(standbys.stream(), stopping.stream()).filter(s -> s.pid() == pid).findFirst();
    }

    /** Completes once every standby told to stop is gone (SIGKILL follows SIGTERM after the kill timeout). */
    public CompletableFuture<Void> standbysStopped() {
        return CompletableFuture.allOf(stopping.stream().map(s -> s.process().exited()).toArray(CompletableFuture[]::new));
    }

    /**
     * A standby that waits for its socket, taken out of the pool for {@code slot} and handed its socket at once, before the
     * slot's bookkeeping (its first request waits for none of it: 1-4 ms on a busy 2-core VM); null if none waits (a paused one
     * would serve nothing). Another starts behind it a second later, not at once: starting a JVM would hold up the takeover on this
     * loop and compete for the processors with the first requests of the one that took over.
     */
    Standby takeStandby(Slot slot) {
        Standby taken = standbys.stream().filter(App::ready).findFirst().orElse(null);
        if (taken != null) {
            standbys.remove(taken);
            scheduleRefill(STANDBY_REFILL_DELAY_MS);
            try {
                taken.handSocket(slot);
            } catch (IOException e) {
                // said by its takeOver, which meets it again
            }
        } else {
            standbys.stream().filter(Standby::paused).forEach(s -> log.warn(
                    "{}: standby pid {} is paused (its process is stopped: SIGSTOP, a debugger): passed over, the slot starts a new process", name(),
                    s.pid()));
        }
        return taken;
    }

    /**
     * As many standbys as {@code --standby} says while the app is up (a worker of it has served and it is not stopped) and no
     * reload is under way (a reload's standbys would be of the old version: they start after it); none
     * otherwise. The newest go first when there are too many.
     */
    void balanceStandbys() {
        if (slots.stream().anyMatch(s -> s.state() == SlotState.ONLINE)) {
            if (!up) {
                retryStandbys();
            }
            up = true;
        } else if (slots.stream().noneMatch(s -> s.state() == SlotState.LAUNCHING || s.state() == SlotState.EXITED)) {
            up = false; // stopped, stopping or errored: a crash of its only worker is not (that is what standbys are for)
        }
        String cannot = spec.standby() > 0 ? standbysCannotWait() : null;
        if (cannot != null && cannotWait == null) {
            log.warn("{}: no standbys: {}", name(), cannot);
        }
        cannotWait = cannot;
        int wanted = up && operation != Operation.RELOAD && !standbysGivenUp && cannotWait == null ? spec.standby() : 0;
        while (standbys.size() > wanted) {
            stop(standbys.remove(standbys.size() - 1));
        }
        while (standbys.size() < wanted && !refillScheduled) {
            try {
                WorkerProcess process = starter.startStandby(spec);
                Standby standby = new Standby(process, loop.nanoTime());
                standbys.add(standby);
                process.exited().thenAcceptAsync(status -> standbyExited(standby, status), loop);
            } catch (IOException e) {
                log.warn("{}: cannot start a standby: {}", name(), e.getMessage());
                scheduleRefill(STANDBY_REFILL_DELAY_MS);
            }
        }
    }

    /**
     * A worker took its slot's socket from the supervisor. Standbys kept off for want of one (its
     * worker was counted ready when its time ran out, before it asked) can wait now.
     */
    void socketTaken() {
        if (cannotWait != null) {
            balanceStandbys();
        }
    }

    /**
     * Why a standby of this app could not wait before it serves, judged by its online workers; null
     * when it can, or while none is online. A standby waits for its slot's socket (the library in
     * {@code inheritListeners}, the agent in the app's bind); an app whose workers bind the port
     * themselves never asks for one, and its standby would serve (or consume its queue) as soon as it
     * started, counted nowhere.
     */
    private String standbysCannotWait() {
        List<Attempt> online = slots.stream().filter(s -> s.state() == SlotState.ONLINE).map(Slot::serving).filter(a -> a != null).toList();
        if (online.isEmpty() || online.stream().anyMatch(Attempt::tookSocket)) {
            return null;
        }
        return "its workers take no socket from the supervisor (pid " + online.get(0).pid() + " " + (online.get(0).readinessAssumed()
                ? "did not listen on port " + spec.port() + " in time" : "bound port " + spec.port() + " itself")
                + "), so a standby would serve as soon as it started: standbys need a jar app (the agent holds its bind) or the library"
                + " (ClusterWorker.inheritListeners)";
    }

    /** Stops a standby no longer in {@link #standbys}: one too many, or one taken by a slot that was stopped before it took over. */
    void stop(Standby standby) {
        stopping.add(standby);
        standby.stop(loop, spec.killTimeoutMs(), name()).whenCompleteAsync((status, failure) -> stopping.remove(standby), loop);
    }

    private void standbyExited(Standby standby, int status) {
        if (!standbys.remove(standby)) {
            return; // one stopped on purpose, or one that took over a slot
        }
        long uptimeMs = (loop.nanoTime() - standby.startedNanos()) / 1_000_000;
        String exit = Signals.describeUnaskedExit(status, starter::oomKillJustNow);
        RestartPolicy.Decision decision = standbyPolicy.afterCrash(uptimeMs, standby.waiting(), !standby.waiting());
        if (decision.errored()) {
            standbysGivenUp = true;
            List<String> said = ExitOutput.of(standby.process().lastErrLines(), standby.process().lastOutLines()).lines();
            log.error("{}: no more standbys: {} in a row exited before they were ready to take over, the last (pid {}) {}{};"
                    + " its output is in {}-standby-*.log; a start or reload of the app tries again", name(), decision.unstableRestarts() + 1,
                    standby.pid(), exit, said.isEmpty() ? "" : ": " + said.get(said.size() - 1), name());
            return;
        }
        long delayMs = Math.max(STANDBY_REFILL_DELAY_MS, decision.delayMs());
        log.warn("{}: standby pid {} {} before it was needed; another starts in {} ms", name(), standby.pid(), exit, delayMs);
        scheduleRefill(delayMs);
    }

    private void scheduleRefill(long delayMs) {
        if (!refillScheduled) {
            refillScheduled = true;
            loop.schedule(() -> {
                refillScheduled = false;
                balanceStandbys();
            }, delayMs);
        }
    }

    /**
     * A stop or delete ({@code command}) of these apps' workers. A reload, restart or memory replacement
     * under way gives way: each slot's stop abandons its replacement, and none is started again after
     * it ({@link #preemptedBy}); an operator must never wait minutes for a slow start to take an app
     * down. A scale refuses it as it refuses any command (it ends within one start): then none is marked.
     */
    public static void yieldTo(String command, Collection<App> apps) {
        apps.stream().filter(app -> app.operation == Operation.SCALE).forEach(App::requireIdle);
        apps.forEach(app -> app.preempt(command));
    }

    /** The operation under way, if any, ends at its next step: {@code command} (a stop, delete or kill) takes the app down. */
    public void preempt(String command) {
        if (operation != null) {
            preemptedBy = command;
        }
    }

    /** The command that cut the operation under way short (see {@link #yieldTo}), or null. */
    public String preemptedBy() {
        return preemptedBy;
    }

    public void requireIdle() {
        if (deleted) {
            throw new Busy("app '" + name() + "' is being deleted: once 'cluster delete' has finished, start it again if you meant to");
        }
        if (operation != null) {
            throw new Busy("app '" + name() + "' is busy with a " + operation.label() + ": run the command again when it has finished");
        }
    }

    /** No operation owns it and it is not being deleted: the memory guard may replace a worker. */
    public boolean idle() {
        return operation == null && !deleted;
    }

    /** A delete took it: no other command meanwhile (a reload then ran a slot of an app about to be forgotten, out of sight). */
    public void deleting() {
        deleted = true;
    }

    public String portNotShared() {
        return portNotShared;
    }

    public void portNotShared(String reason) {
        this.portNotShared = reason;
    }
}
