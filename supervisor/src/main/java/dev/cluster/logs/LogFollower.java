package dev.cluster.logs;

import java.nio.file.StandardOpenOption;
import java.nio.channels.Channels;
import dev.cluster.home.SafePaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * Follows log files, as {@code logs -f} and monit's log pane do: each call hands out the complete
 * lines appended since the previous one (a half-written line waits for its end). Like
 * {@code tail -F} it keeps the file open: when the name comes to mean another file (the supervisor
 * rotated it), the old one is read to its end, then any file rotated after it since the last call
 * (a fast writer can fill several between two calls), then the new one from its start, so
 * rotation loses no line. A file that shrank was emptied ({@code cluster flush}): read from the start.
 */
public final class LogFollower implements AutoCloseable {
    private static final int MAX_READ = 4 * 1024 * 1024;
    private final Map<Path, Followed> followed = new HashMap<>();

    /**
     * An open file and how far it has been read; {@code key} identifies the file (device, inode).
     * {@code currentAt}: a time it was still the current file, so it was rotated after that.
     * {@code lastStem}: the newest file rotated after it that was read already, or null.
     */
    private static final class Followed {
        final FileChannel channel;
        final Object key;
        long position;
        Instant currentAt;
        String lastStem;

        Followed(FileChannel channel, Object key) {
            this.channel = channel;
            this.key = key;
        }
    }

    /** The last {@code n} lines of the file now; later calls to {@link #appended} continue from here. */
    public List<String> start(Path file, int n) {
        List<String> lines = LogFiles.tail(file, 0, n);
        Followed f = open(file);
        if (f != null) {
            try {
                f.position = f.channel.size(); // the opened file's size: the name may mean a newer file by now
            } catch (IOException e) {
                f.position = 0;
            }
            replace(file, f);
        }
        return lines;
    }

    public boolean follows(Path file) {
        return followed.containsKey(file);
    }

    /** The complete lines appended since the previous call (or {@link #start}); none if the file is gone. */
    public List<String> appended(Path file) {
        Followed f = followed.get(file);
        if (f == null) {
            f = open(file);
            if (f == null) {
                return List.of();
            }
            followed.put(file, f);
        }
        Instant now = Instant.now();
        List<String> lines = new ArrayList<>(read(f));
        if (Objects.equals(key(file), f.key)) {
            f.currentAt = now;
            return lines;
        }
        for (List<String> more = read(f); !more.isEmpty(); more = read(f)) {
            lines.addAll(more); // the rotated file to its end
        }
        Followed next = open(file);
        lines.addAll(rotatedBetween(file, f, next));
        if (next == null) {
            return lines; // between a rename and the new file: f stays, remembering what it read
        }
        replace(file, next);
        lines.addAll(read(next));
        return lines;
    }

    /**
     * The whole of every file rotated after {@code f} (so after {@code f.currentAt}) and before
     * {@code next}, the file now under the name, skipping what an earlier call read already.
     */
    private static List<String> rotatedBetween(Path file, Followed f, Followed next) {
        List<String> lines = new ArrayList<>();
        try {
            List<Path> since = LogFiles.rotatedSince(file, f.currentAt);
            int own = -1; // f itself, told by its inode; if gzipped already, the oldest of them
            for (int i = 0; i < since.size(); i++) {
                if (f.key.equals(key(since.get(i)))) {
                    own = i;
                }
            }
            if (own < 0 && f.lastStem == null) {
                own = 0;
            }
            for (int i = own + 1; i < since.size(); i++) {
                Path missed = since.get(i);
                String stem = LogFiles.stem(missed);
                if (f.lastStem != null && stem.compareTo(f.lastStem) <= 0) {
                    continue;
                }
                if (next != null && next.key.equals(key(missed))) {
                    break; // rotated since it was opened: it is read through its channel
                }
                InputStream raw = Channels.newInputStream(SafePaths.open(missed, StandardOpenOption.READ));
                try (InputStream in = missed.toString().endsWith(LogFiles.GZ) ? new GZIPInputStream(raw) : raw) {
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().forEach(lines::add);
                }
                f.lastStem = stem;
            }
        } catch (IOException e) {
            // pruned meanwhile: what is gone cannot be shown
        }
        return lines;
    }

    @Override
    public void close() {
        followed.values().forEach(LogFollower::closeQuietly);
        followed.clear();
    }

    private void replace(Path file, Followed next) {
        Followed old = next == null ? followed.remove(file) : followed.put(file, next);
        if (old != null && old != next) {
            closeQuietly(old);
        }
    }

    private static List<String> read(Followed f) {
        try {
            long length = f.channel.size();
            if (length < f.position) {
                f.position = 0;
            }
            if (length == f.position) {
                return List.of();
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(length - f.position, MAX_READ));
            while (buffer.hasRemaining() && f.channel.read(buffer, f.position + buffer.position()) > 0) {
                // until full
            }
            byte[] bytes = Arrays.copyOf(buffer.array(), buffer.position());
            int end = lastNewline(bytes);
            if (end < 0) {
                return List.of(); // wait for the rest of the line
            }
            f.position += end + 1;
            return Arrays.asList(new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n", -1));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Opens the file, making sure the channel is the file the name means (it may be rotated meanwhile). */
    private static Followed open(Path file) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Object before = key(file);
            if (before == null) {
                return null;
            }
            try {
                FileChannel channel = SafePaths.open(file, StandardOpenOption.READ);
                Instant checked = Instant.now();
                if (before.equals(key(file))) {
                    Followed f = new Followed(channel, before);
                    f.currentAt = checked;
                    return f;
                }
                channel.close();
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private static Object key(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static void closeQuietly(Followed f) {
        try {
            f.channel.close();
        } catch (IOException e) {
            // closing anyway
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
