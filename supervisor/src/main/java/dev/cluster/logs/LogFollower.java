package dev.cluster.logs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows log files, as {@code logs -f} and monit's log pane do: each call hands out the complete
 * lines appended since the previous one (a half-written line waits for its end). A file that
 * shrank was replaced, so it is read again from the start.
 */
public final class LogFollower {
    private static final int MAX_READ = 4 * 1024 * 1024;
    private final Map<Path, Long> positions = new HashMap<>();

    /** The last {@code n} lines of the file now; later calls to {@link #appended} continue from here. */
    public List<String> start(Path file, int n) {
        List<String> lines = LogFiles.tail(file, 0, n);
        positions.put(file, LogFiles.size(file));
        return lines;
    }

    public boolean follows(Path file) {
        return positions.containsKey(file);
    }

    /** The complete lines appended since the previous call (or {@link #start}); none if the file is gone. */
    public List<String> appended(Path file) {
        long position = positions.getOrDefault(file, 0L);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (length < position) {
                position = 0;
            }
            if (length == position) {
                positions.put(file, position);
                return List.of();
            }
            byte[] bytes = new byte[(int) Math.min(length - position, MAX_READ)];
            raf.seek(position);
            raf.readFully(bytes);
            int end = lastNewline(bytes);
            if (end < 0) {
                positions.put(file, position); // wait for the rest of the line
                return List.of();
            }
            positions.put(file, position + end + 1);
            return Arrays.asList(new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n", -1));
        } catch (NoSuchFileException | FileNotFoundException e) {
            positions.remove(file);
            return List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
