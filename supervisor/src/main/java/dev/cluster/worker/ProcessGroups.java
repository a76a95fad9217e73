package dev.cluster.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A worker's process and what it starts, read from {@code /proc}: every worker leads a process group of its own, so a start
 * script's JVM or server is found as the worker's, and what a worker leaves running when it exits is ended with it.
 */
public final class ProcessGroups {
    private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);
    /**
     * Groups whose leftovers got SIGTERM and wait for their SIGKILL, with its time ({@link System#nanoTime}). Kept for the
     * supervisor's exit ({@link #endLeftoversNow}): the timer that would send it dies with the supervisor.
     */
    private static final Map<Long, Long> ending = new ConcurrentHashMap<>();
    private static final long POLL_MS = 50;

    private ProcessGroups() {
    }

    /**
     * The process group of {@code pid} (field 5 of {@code /proc/PID/stat}, after the name in parentheses), or 0 if it is gone.
     * A worker leads its own (see {@link OsProcesses}), and no process outside its session can join it.
     */
    public static long of(long pid) {
        String[] fields = stat(pid);
        return fields == null ? 0 : Long.parseLong(fields[2]);
    }

    /** PF_EXITING among the flags of {@code /proc/PID/stat}: the process has begun its exit. */
    private static final long EXITING = 0x4;
    /** SIGKILL's bit in the pending-signal masks of {@code /proc/PID/status}. */
    private static final long SIGKILL = 1L << (9 - 1);

    /**
     * Whether a process, from the fields of its {@code /proc/PID/stat} ({@link #stat}) and its {@code /proc/PID/status}, is
     * dying: a zombie, exiting, or with SIGKILL pending (for it, or for its whole thread group).
     */
    static boolean dying(String[] stat, String status) {
        if (stat[0].equals("Z") || stat[0].equals("X") || (Long.parseUnsignedLong(stat[6]) & EXITING) != 0) {
            return true;
        }
        for (String line : status.split("\n")) {
            if ((line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) && (Long.parseUnsignedLong(line.substring(7).trim(), 16) & SIGKILL) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether process {@code pid} is gone or {@link #dying}. */
    public static boolean dyingOrGone(long pid) {
        String[] stat = stat(pid);
        return stat == null || dying(stat, status(pid));
    }

    private static String status(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        } catch (IOException e) {
            return "";
        }
    }

    /** The fields of {@code /proc/PID/stat} after the name (state first), or null if it is gone. */
    private static String[] stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The children of {@code pid}'s main thread, and theirs, {@code depth} generations down: a start script's server (a shell
     * forks from its main thread). From {@code /proc/PID/task/PID/children}, without a scan of every process.
     */
    public static List<Long> children(long pid, int depth) {
        List<Long> found = new ArrayList<>();
        try {
            for (String child : Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children")).trim().split(" ")) {
                if (!child.isEmpty()) {
                    found.add(Long.parseLong(child));
                    if (depth > 1) {
                        found.addAll(children(Long.parseLong(child), depth - 1));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile: no children to speak of
        }
        return found;
    }

    /**
     * The processes of group {@code pgid} that still run. Not one that is dying: a zombie, or one exiting or with SIGKILL
     * pending, such as a death watch's child, killed as its worker died but not yet scheduled to end on a busy machine.
     */
    private static List<Long> runningInGroup(long pgid) {
        try (var pids = Files.list(Path.of("/proc"))) {
            return pids.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit)).map(Long::parseLong)
                    .filter(pid -> {
                        String[] fields = stat(pid);
                        return fields != null && Long.parseLong(fields[2]) == pgid && !dying(fields, status(pid));
                    }).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * What the worker {@code group} (its pid) left running in its group when it exited gets SIGTERM, then SIGKILL after
     * {@code killMs}, as a stop ends a worker: a JVM left by a script would go on serving the slot's socket beside its
     * replacement, unseen. The group outlives its leader while any member runs, and its number is not reused meanwhile.
     */
    static void endLeftovers(long group, long killMs) {
        List<Long> left = runningInGroup(group);
        if (!left.isEmpty()) {
            log.warn("pid {} exited, leaving processes of its group running (pid {}): SIGTERM, then SIGKILL in {} ms", group, left, killMs);
            ending.put(group, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killMs));
            Signals.sendToGroup(group, "TERM").thenRun(() -> CompletableFuture.delayedExecutor(killMs, TimeUnit.MILLISECONDS)
                    .execute(() -> kill(group)));
        }
    }

    private static CompletableFuture<Void> kill(long group) {
        return ending.remove(group) == null ? CompletableFuture.completedFuture(null) : Signals.sendToGroup(group, "KILL");
    }

    /**
     * The supervisor exits: what is left in workers' groups after their SIGTERM is given the rest of its kill timeout, as
     * the supervisor would have, and then SIGKILL, so that nothing outlives {@code cluster kill} (systemd's KillMode=mixed
     * does the same after its stop). Blocks until then.
     */
    public static void endLeftoversNow() {
        for (Map.Entry<Long, Long> group : ending.entrySet()) {
            while (System.nanoTime() < group.getValue() && !runningInGroup(group.getKey()).isEmpty()) {
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (!runningInGroup(group.getKey()).isEmpty()) {
                log.warn("what pid {} left running ignored SIGTERM: SIGKILL as the supervisor exits", group.getKey());
                kill(group.getKey()).exceptionally(failure -> null).join();
            }
            ending.remove(group.getKey());
        }
    }
}
