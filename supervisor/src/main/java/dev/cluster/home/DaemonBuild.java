package dev.cluster.home;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Which cluster jar the running daemon was started from: its path, size and modification time,
 * written by the daemon once it holds the home. The daemon runs from its own copy, so a rebuild or
 * an upgrade of the jar does not reach it until it is restarted, and a CLI of the new jar would
 * talk to the old daemon without a word (an option the old one does not know is ignored). With this
 * record every command can tell, at the cost of one stat, and say so.
 */
public final class DaemonBuild {
    private DaemonBuild() {
    }

    /** Records {@code jar} (a regular file; a classes directory, as an IDE runs it, is not recorded). */
    public static void record(Home home, Path jar) throws IOException {
        if (jar == null || !Files.isRegularFile(jar)) {
            Files.deleteIfExists(home.buildFile());
            return;
        }
        String text = jar.toAbsolutePath() + "\n" + Files.size(jar) + "\n" + Files.getLastModifiedTime(jar).toMillis() + "\n";
        try (FileChannel out = SafePaths.open(home.buildFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * When {@code jar} (the CLI's own) is the one the daemon was started from and it has changed since:
     * when it changed, as text; otherwise (the same, another jar, or nothing recorded) null.
     */
    public static String changedSince(Home home, Path jar) {
        try (FileChannel in = SafePaths.open(home.buildFile(), StandardOpenOption.READ)) {
            String[] lines = new String(Channels.newInputStream(in).readNBytes(8192), StandardCharsets.UTF_8).split("\n");
            if (lines.length < 3 || !lines[0].equals(jar.toAbsolutePath().toString()) || !Files.isRegularFile(jar)) {
                return null;
            }
            long modified = Files.getLastModifiedTime(jar).toMillis();
            if (Long.parseLong(lines[1]) == Files.size(jar) && Long.parseLong(lines[2]) == modified) {
                return null;
            }
            return Instant.ofEpochMilli(modified).truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or damaged: a warning is not worth an error
        }
    }
}
