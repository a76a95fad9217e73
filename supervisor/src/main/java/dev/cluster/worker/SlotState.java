package dev.cluster.worker;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A worker slot's lifecycle, as {@code list} shows it. The table below is the whole state machine:
 * {@link Slot} refuses (throws, and the loop logs) any change it does not list.
 */
public enum SlotState {
    /** No process: by request, or it exited and the app says {@code --autorestart off}. */
    STOPPED,
    /** A process runs but is not ready yet. */
    LAUNCHING,
    /** Serving. */
    ONLINE,
    /** Asked to drain; SIGKILL follows after the kill timeout. */
    STOPPING,
    /** Crashed; its restart is scheduled: at once if it had served, else after the back-off delay. */
    EXITED,
    /** Crashed (or could not be started) too often too quickly; left alone until {@code cluster restart}. */
    ERRORED;

    private static final Map<SlotState, Set<SlotState>> NEXT = new EnumMap<>(SlotState.class);

    static {
        NEXT.put(STOPPED, EnumSet.of(LAUNCHING));
        NEXT.put(LAUNCHING, EnumSet.of(ONLINE, STOPPING, STOPPED, EXITED, ERRORED)); // STOPPED: exited, --autorestart off
        NEXT.put(ONLINE, EnumSet.of(STOPPING, STOPPED, EXITED, ERRORED));
        NEXT.put(STOPPING, EnumSet.of(STOPPED));
        NEXT.put(EXITED, EnumSet.of(LAUNCHING, STOPPED));
        NEXT.put(ERRORED, EnumSet.of(LAUNCHING, STOPPED));
    }

    public boolean canBecome(SlotState next) {
        return NEXT.get(this).contains(next);
    }

    /** Whether a process of this slot may be running. */
    public boolean hasProcess() {
        return this == LAUNCHING || this == ONLINE || this == STOPPING;
    }

    /** Stopped or errored: no process, and none starts until the user starts it (an exited slot's restart is on its way). */
    public boolean waitsForAStart() {
        return this == STOPPED || this == ERRORED;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
