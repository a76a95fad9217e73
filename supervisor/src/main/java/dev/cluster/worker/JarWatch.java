package dev.cluster.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The jar a JVM started from, as it was then. A JVM reads classes from its jar for as long as it runs, so
 * a copy onto that file ({@code cp new.jar app.jar}: the same file, new content) breaks the running
 * workers' class loading (NoClassDefFoundError, requests that never answer) while they look online. A
 * new file renamed over it ({@code mv}), or a link switched to another, leaves them their own file.
 */
final class JarWatch {
    private static final Logger log = LoggerFactory.getLogger(JarWatch.class);

    private record Stamp(Object fileKey, Object modified, long size) {
        static Stamp of(Path path) {
            try {
                BasicFileAttributes now = Files.readAttributes(path, BasicFileAttributes.class);
                return now.fileKey() == null ? null : new Stamp(now.fileKey(), now.lastModifiedTime(), now.size());
            } catch (IOException e) {
                return null;
            }
        }
    }

    private final Path path;
    private final Stamp started;
    /** Once seen, in words; it stays so for the process's life. */
    private String overwritten;

    private JarWatch(Path path, Stamp started) {
        this.path = path;
        this.started = started;
    }

    /** The jar (through links) just before a JVM opens it; null if it cannot be read. */
    static JarWatch of(Path path) {
        Stamp now = Stamp.of(path);
        return now == null ? null : new JarWatch(path, now);
    }

    /**
     * Null while the file process {@code pid} started from holds what it held then; else "JAR was overwritten in place
     * (seen at TIME)", logged when first seen: the same file (inode), written since.
     */
    String overwritten(long pid) {
        if (overwritten == null) {
            Stamp now = Stamp.of(path);
            if (now != null && Objects.equals(now.fileKey(), started.fileKey()) && !now.equals(started)) {
                overwritten = path + " was overwritten in place (seen at " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS)
                        + ")";
                log.warn("pid {}: {} while it runs from it: its JVM may fail to load classes from now on (NoClassDefFoundError, requests that never answer); "
                        + "reload the app, and deploy by renaming a new file over the jar (mv) or switching a link, not by copying onto it",
                        pid, overwritten);
            }
        }
        return overwritten;
    }
}
