package dev.cluster.worker;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Signals by name, sent with util-linux {@code kill}: the JDK sends only TERM and KILL. These are
 * the ones {@code cluster signal} may send: those apps handle, and those operators use on purpose.
 */
public final class Signals {
    public static final List<String> NAMES = List.of("HUP", "INT", "QUIT", "USR1", "USR2", "TERM", "KILL", "CONT", "STOP", "WINCH");

    private Signals() {
    }

    /** The signal's name without "SIG" and in capitals, or null when it is not one of {@link #NAMES}. */
    public static String canonical(String requested) {
        String name = requested == null ? "" : requested.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        return NAMES.contains(name) ? name : null;
    }

    /** Completes (on another thread) when delivered, exceptionally if kill failed. */
    static CompletableFuture<Void> send(long pid, String name) {
        return kill(name, Long.toString(pid));
    }

    /** To every process of the group {@code pgid}; fails when there is none (no such group). */
    static CompletableFuture<Void> sendToGroup(long pgid, String name) {
        return kill(name, "-" + pgid);
    }

    private static CompletableFuture<Void> kill(String name, String target) {
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, "--", target).redirectErrorStream(true).start();
            kill.onExit().thenAccept(p -> {
                if (p.exitValue() == 0) {
                    delivered.complete(null);
                } else {
                    delivered.completeExceptionally(new IllegalStateException("kill -s " + name + " " + target + " failed"));
                }
            });
        } catch (IOException e) {
            delivered.completeExceptionally(new IllegalStateException("cannot run kill: " + e.getMessage()));
        }
        return delivered;
    }

    /** Java reports death by signal N as 128 + N: the status in words. */
    public static String describeExit(int status) {
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            return "killed by signal " + signal + signalName(signal);
        }
        return "exited with code " + status;
    }

    /**
     * {@link #describeExit} for a death nobody here asked for (the process was starting, serving or waiting): a SIGKILL that
     * came as the kernel's OOM killer killed a process ({@code oomKillJustNow}, see {@link OomKiller}) says so.
     */
    static String describeUnaskedExit(int status, BooleanSupplier oomKillJustNow) {
        String words = describeExit(status);
        return status == 128 + 9 && oomKillJustNow.getAsBoolean()
                ? words + ", likely by the kernel's OOM killer (it killed a process just then; 'dmesg' names it)" : words;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> " (SIGHUP)";
            case 2 -> " (SIGINT)";
            case 3 -> " (SIGQUIT)";
            case 6 -> " (SIGABRT)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }
}
