package dev.cluster.protocol;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One stall of an event loop, reported once when it ends: how long the loop did not run its
 * tasks, and where its thread was while it was blocked (captured during the stall, top frame
 * first). {@code stack} is empty when the stall ended before the watchdog could look, or when {@code paused}: the whole
 * JVM was (a stop-the-world collection, SIGSTOP, no CPU), not the loop's code. {@code waitedMs}: how much of the stall
 * the loop's thread was ready to run and waited for a processor (Linux's run delay; 0 where unknown).
 */
public record BlockedReport(String loop, long durationMs, long startedAtEpochMs, List<String> stack, boolean paused, long waitedMs) {
    /** The top frame of a loop waiting for I/O (Netty's epoll transport, the JDK's selector). */
    private static final Pattern WAITING = Pattern.compile("^(io\\.netty\\.channel\\.epoll\\.Native\\.epoll(Busy)?Wait0?|sun\\.nio\\.ch\\.EPoll\\.wait)\\(.*");

    public BlockedReport {
        stack = stack == null ? List.of() : List.copyOf(stack);
    }

    public BlockedReport(String loop, long durationMs, long startedAtEpochMs, List<String> stack) {
        this(loop, durationMs, startedAtEpochMs, stack, false, 0);
    }

    /**
     * The frame to blame: the first one in the app's own code, below JDK and Netty frames (a busy
     * loop's top frame is often {@code System.nanoTime}). The top frame if all are library frames; words, not a frame,
     * for a loop {@link #paused}, {@link #starved}, caught {@link #waiting} or not caught at all.
     */
    public String culprit() {
        // First: the kernel's word that the thread was ready and waited outweighs the watchdog's guess of a pause.
        if (starved()) {
            return "(no code: its thread waited " + waitedMs + " ms of it for a processor: the processors were busy with other work, or a CPU quota was spent)";
        }
        if (paused) {
            return "(no code: the whole JVM was paused, by a stop-the-world collection, SIGSTOP or a lack of CPU)";
        }
        if (waiting()) {
            return "(no code: the loop was waiting for events and woke late, held off the CPU by other processes or a pause of the whole JVM)";
        }
        for (String frame : stack) {
            if (!frame.matches("^(java|javax|jdk|sun|com\\.sun|io\\.netty)\\..*")) {
                return frame;
            }
        }
        return stack.isEmpty() ? "(the stall ended before its stack could be caught)" : stack.get(0);
    }

    /**
     * Caught in the loop's own wait for events: no task ran long, the thread was not scheduled in time (on a machine
     * busy with other processes, a GC pause). Blaming the wait's frame would send the operator into Netty's code.
     */
    public boolean waiting() {
        return !stack.isEmpty() && WAITING.matcher(stack.get(0)).matches();
    }

    /**
     * Held off the CPU for most of the stall: ready to run, it waited for a processor. Wherever its stack was caught, the
     * code there ran for a small part of the time (seen on 2 busy cores: "blocked 161 ms at Unsafe.compareAndSetLong").
     */
    public boolean starved() {
        return 2 * waitedMs >= durationMs && waitedMs > 0;
    }

    /** Whether {@link #culprit} is a frame of the stack, not words. */
    public boolean blamesCode() {
        return stack.contains(culprit());
    }
}
