package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One supervised app: its spec, its slots (ids 0..N-1), its standbys ({@link StandbyPool}), its
 * listening sockets, and the operation under way on it, if any.
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
    private final StandbyPool standbys;
    /** Pids of replacements given up and killed, until they exit (see {@link #givenUp(WorkerProcess)}). */
    private final Set<Long> givenUp = new HashSet<>();
    /** How long a starting worker may take to be ready: learnt from the app's starts unless --listen-timeout says. */
    public Readiness readiness() {
        return readiness;
    }

    public App(AppSpec spec, SlotSockets sockets, Loop loop, ProcessStarter starter, Slot.Listener listener) {
        this.spec = spec;
        this.sockets = sockets;
        this.loop = loop;
        this.starter = starter;
        this.standbys = new StandbyPool(this, loop, starter);
        this.listener = (slot, state) -> {
            listener.changed(slot, state);
            standbys.balance();
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

    /** Its workers started ahead of need ({@code --standby N}). */
    public StandbyPool standbys() {
        return standbys;
    }

    /** A reload is under way: standbys now would be of the old version. */
    boolean reloading() {
        return operation == Operation.RELOAD;
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
            standbys.retry();
        }
        standbys.balance();
    }

    /** Ends the operation; every path out of one must call it (a mark left behind would refuse commands for ever). */
    public void end(Operation finished) {
        if (operation == finished) {
            operation = null;
        }
        standbys.balance();
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
