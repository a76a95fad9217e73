package dev.cluster.worker;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One process's lifecycle (an {@link Attempt}). The table below is the whole state machine:
 * {@link Attempt} refuses any change it does not list.
 */
public enum AttemptState {
    /** Started, not yet ready: it has neither said so nor opened its port. */
    LAUNCHING,
    /** Ready: it said so, or listens on the app's port, or the listen timeout passed. */
    READY,
    /** Asked to stop (its drain request, else SIGTERM); SIGKILL follows after the kill timeout. */
    STOPPING,
    /** Found hung: SIGQUIT (a JVM writes its thread dump), SIGKILL follows unless it reports normally meanwhile (then ready again). */
    HUNG,
    /** No process any more. */
    EXITED;

    private static final Map<AttemptState, Set<AttemptState>> NEXT = new EnumMap<>(AttemptState.class);

    static {
        NEXT.put(LAUNCHING, EnumSet.of(READY, STOPPING, EXITED));
        NEXT.put(READY, EnumSet.of(STOPPING, HUNG, EXITED));
        NEXT.put(STOPPING, EnumSet.of(EXITED));
        NEXT.put(HUNG, EnumSet.of(READY, STOPPING, EXITED));
        NEXT.put(EXITED, EnumSet.noneOf(AttemptState.class));
    }

    boolean canBecome(AttemptState next) {
        return NEXT.get(this).contains(next);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
