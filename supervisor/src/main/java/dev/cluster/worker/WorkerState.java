package dev.cluster.worker;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A worker slot's lifecycle. The table below is the whole state machine: {@link Worker#transition}
 * refuses anything it does not list.
 */
public enum WorkerState {
    /** A process runs but has not yet said it is ready (or opened its port). */
    LAUNCHING,
    /** Serving. */
    ONLINE,
    /** Asked to drain; SIGKILL follows after the kill timeout. */
    STOPPING,
    /** No process, by request. */
    STOPPED,
    /** Crashed; a restart is scheduled after the back-off delay. */
    EXITED,
    /** Crashed too often too quickly; left alone until {@code cluster restart}. */
    ERRORED;

    private static final Map<WorkerState, Set<WorkerState>> NEXT = new EnumMap<>(WorkerState.class);

    static {
        NEXT.put(STOPPED, EnumSet.of(LAUNCHING));
        NEXT.put(LAUNCHING, EnumSet.of(ONLINE, STOPPING, EXITED, ERRORED));
        NEXT.put(ONLINE, EnumSet.of(STOPPING, EXITED, ERRORED));
        NEXT.put(STOPPING, EnumSet.of(STOPPED));
        NEXT.put(EXITED, EnumSet.of(LAUNCHING, STOPPED));
        NEXT.put(ERRORED, EnumSet.of(LAUNCHING, STOPPED));
    }

    public boolean canBecome(WorkerState next) {
        return NEXT.get(this).contains(next);
    }

    /** Whether a process of this worker may be running. */
    public boolean hasProcess() {
        return this == LAUNCHING || this == ONLINE || this == STOPPING;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
