package dev.cluster.protocol;

import java.util.List;

/**
 * One stall of an event loop, reported once when it ends: how long the loop did not run its
 * tasks, and where its thread was while it was blocked (captured during the stall, top frame
 * first). {@code stack} is empty when the stall ended before the watchdog could look.
 */
public record BlockedReport(String loop, long durationMs, long startedAtEpochMs, List<String> stack) {
    public BlockedReport {
        stack = stack == null ? List.of() : List.copyOf(stack);
    }

    /**
     * The frame to blame: the first one in the app's own code, below JDK and Netty frames (a busy
     * loop's top frame is often {@code System.nanoTime}). The top frame if all are library frames.
     */
    public String culprit() {
        for (String frame : stack) {
            if (!frame.matches("^(java|javax|jdk|sun|com\\.sun|io\\.netty)\\..*")) {
                return frame;
            }
        }
        return stack.isEmpty() ? "(the stall ended before its stack could be caught)" : stack.get(0);
    }
}
