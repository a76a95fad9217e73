package dev.cluster.worker;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Which files a process holds open, read from {@code /proc/PID/fd}: a socket as {@code socket:[inode]},
 * a removed file with {@code " (deleted)"} after its path. Only the processes this one may inspect
 * are seen (all of them as root, its own user's otherwise).
 */
public final class OpenFiles {
    private OpenFiles() {
    }

    /** What the process's descriptors point to; empty if it is gone or not ours to look at. */
    public static List<String> of(long pid) {
        List<String> targets = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // gone, or not ours to look at
        }
        return targets;
    }

    /** The first process that {@code process} accepts and that holds a file {@code target} accepts. */
    public static Optional<Long> holder(LongPredicate process, Predicate<String> target) {
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (process.test(pid) && of(pid).stream().anyMatch(target)) {
                    return Optional.of(pid);
                }
            }
        } catch (IOException e) {
            // no /proc: nothing found
        }
        return Optional.empty();
    }
}
