package dev.cluster.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What was read from a jar, one value per path, kept while the file keeps its size and modification
 * time: a worker's start asks on the supervisor's loop, where reading a jar again (opening it, or
 * hashing it) would cost milliseconds each time. A new version at the same path replaces the entry.
 */
final class PerJarVersion<T> {
    /** Reads the value from the jar. */
    interface Reader<T> {
        T read(Path jar) throws IOException;
    }

    private record Entry<T>(long size, long modifiedMs, T value) {
    }

    private final Map<Path, Entry<T>> byPath = new ConcurrentHashMap<>();
    private final Reader<T> reader;

    PerJarVersion(Reader<T> reader) {
        this.reader = reader;
    }

    T get(Path jar) throws IOException {
        BasicFileAttributes file = Files.readAttributes(jar, BasicFileAttributes.class);
        long modifiedMs = file.lastModifiedTime().toMillis();
        Entry<T> known = byPath.get(jar);
        if (known != null && known.size() == file.size() && known.modifiedMs() == modifiedMs) {
            return known.value();
        }
        T value = reader.read(jar);
        byPath.put(jar, new Entry<>(file.size(), modifiedMs, value));
        return value;
    }
}
