package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One supervised app: its spec, its slots (ids 0..N-1), its listening sockets, and the operation
 * under way on it, if any.
 */
public final class App {
    /** What can own an app for a while: other commands on it are refused meanwhile, not queued. */
    public enum Operation {
        RELOAD("reload"), SCALE("scale"), MEMORY_REPLACEMENT("memory replacement");

        private final String label;

        Operation(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
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
    /** Why only one worker can serve this app (it binds its port without SO_REUSEPORT); null when not known to be so. */
    private String portNotShared;
    private final Readiness readiness = new Readiness();

    /** How long a starting worker may take to be ready: learnt from the app's starts unless --listen-timeout says. */
    public Readiness readiness() {
        return readiness;
    }

    public App(AppSpec spec, SlotSockets sockets, Loop loop, ProcessStarter starter, Slot.Listener listener) {
        this.spec = spec;
        this.sockets = sockets;
        this.loop = loop;
        this.starter = starter;
        this.listener = listener;
        for (int id = 0; id < spec.instances(); id++) {
            slots.add(new Slot(this, id, loop, starter, listener));
        }
    }

    public AppSpec spec() {
        return spec;
    }

    public void spec(AppSpec newSpec) {
        this.spec = newSpec;
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

    /** Forgets the highest slots down to {@code count}: scaled down, their processes gone. */
    public void truncate(int count) {
        while (slots.size() > count) {
            slots.remove(slots.size() - 1);
        }
    }

    /** Takes the app for an operation; throws {@link Busy} naming the one under way. */
    public void begin(Operation next) {
        requireIdle();
        operation = next;
    }

    /** Ends the operation; every path out of one must call it (a mark left behind would refuse commands for ever). */
    public void end(Operation finished) {
        if (operation == finished) {
            operation = null;
        }
    }

    public Operation operation() {
        return operation;
    }

    public void requireIdle() {
        if (operation != null) {
            throw new Busy("app '" + name() + "' is busy with a " + operation.label() + ": run the command again when it has finished");
        }
    }

    public String portNotShared() {
        return portNotShared;
    }

    public void portNotShared(String reason) {
        this.portNotShared = reason;
    }
}
