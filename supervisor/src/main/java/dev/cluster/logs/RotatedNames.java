package dev.cluster.logs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Names one log file's rotated copies, each after every earlier one even within one millisecond
 * (the names must sort by age, and a name pruned meanwhile must not come back as the newest):
 * {@code <file>.<stamp>}, then {@code <stamp>-0001}… Used by the thread that rotates that file.
 */
final class RotatedNames {
    private final Path file;
    /** The stamp of the last rotation and its suffix. */
    private Path lastBase;
    private int lastSuffix;

    RotatedNames(Path file) {
        this.file = file;
    }

    /** A name no copy has, plain or gzipped, after the last one given. */
    Path next() {
        Path base = LogFiles.rotatedName(file, Instant.now());
        int n = base.equals(lastBase) ? lastSuffix + 1 : 0;
        Path name = n == 0 ? base : base.resolveSibling(String.format("%s-%04d", base.getFileName(), n));
        while (Files.exists(name) || Files.exists(name.resolveSibling(name.getFileName() + LogFiles.GZ))) {
            name = base.resolveSibling(String.format("%s-%04d", base.getFileName(), ++n));
        }
        lastBase = base;
        lastSuffix = n;
        return name;
    }
}
