package dev.cluster.worker;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/**
 * A jar app that bundles the cluster library, as a shaded jar does (worker-app): it takes its
 * sockets, says ready and reports by itself, so its workers get no agent ({@link AgentJar#usedBy}).
 */
public final class LibraryJar {
    static final String LIBRARY_CLASS = "dev/cluster/library/ClusterWorker.class";
    private static final PerJarVersion<Boolean> bundles = new PerJarVersion<>(jar -> {
        try (ZipFile app = new ZipFile(jar.toFile())) {
            return app.getEntry(LIBRARY_CLASS) != null;
        }
    });

    private LibraryJar() {
    }

    /**
     * Whether the jar has the library's classes at its root. A Spring Boot jar and its extraction
     * ({@link ExtractedJar}) keep their libraries elsewhere, so both say no: a worker started from the
     * extraction and its training start agree with the jar's.
     */
    public static boolean is(String jar) {
        try {
            return bundles.get(Path.of(jar));
        } catch (IOException | InvalidPathException e) {
            return false; // not a jar it can read: the JVM will say what is wrong with it
        }
    }
}
