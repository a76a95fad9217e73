package dev.cluster.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipFile;

/**
 * A jar app that bundles the cluster library, as a shaded jar does (worker-app): it takes its
 * sockets, says ready and reports by itself, so its workers get no agent ({@link AgentJar#usedBy}).
 */
public final class LibraryJar {
    static final String LIBRARY_CLASS = "dev/cluster/library/ClusterWorker.class";
    /**
     * The answer per jar path while the file keeps its size and time: a worker's start asks several
     * times, on the supervisor's loop, and opening a jar of a few thousand entries takes ~10 ms.
     */
    private static final Map<String, Seen> seen = new ConcurrentHashMap<>();

    private record Seen(long size, long modifiedMs, boolean bundles) {
    }

    private LibraryJar() {
    }

    /**
     * Whether the jar has the library's classes at its root. A Spring Boot jar and its extraction
     * ({@link ExtractedJar}) keep their libraries elsewhere, so both say no: a worker started from the
     * extraction and its training start agree with the jar's.
     */
    public static boolean is(String jar) {
        try {
            BasicFileAttributes file = Files.readAttributes(Path.of(jar), BasicFileAttributes.class);
            Seen before = seen.get(jar);
            if (before != null && before.size() == file.size() && before.modifiedMs() == file.lastModifiedTime().toMillis()) {
                return before.bundles();
            }
            boolean bundles;
            try (ZipFile app = new ZipFile(jar)) {
                bundles = app.getEntry(LIBRARY_CLASS) != null;
            }
            seen.put(jar, new Seen(file.size(), file.lastModifiedTime().toMillis(), bundles));
            return bundles;
        } catch (IOException | InvalidPathException e) {
            return false; // not a jar it can read: the JVM will say what is wrong with it
        }
    }
}
