package dev.cluster.logs;

import dev.cluster.config.Sizes;
import dev.cluster.home.SafePaths;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The background daemon's own log, {@code daemon.log}: its stdout and stderr, which the CLI opened
 * for appending. A daemon runs for months, and a worker that keeps blocking its loop adds a line per
 * stall, so the file is kept under {@link #MAX_BYTES}: past it, at the start of a line, it is copied
 * to {@code daemon.log.<stamp>} (as a worker's log is named when rotated) and emptied, and only the
 * newest {@link #KEEP} copies are kept. Copy, then truncate, rather than rename: the daemon's file
 * descriptors 1 and 2 stay on the file, so what the JVM itself writes there (a crash report's notice)
 * lands in the current file, and every Java write holds this stream's lock, so none is lost between
 * the two. Under {@code cluster run} the log is stdout, rotated by whatever reads it (journald).
 */
public final class DaemonLog extends OutputStream {
    static final long MAX_BYTES = 10L * 1024 * 1024;
    static final int KEEP = 2;

    private final Path file;
    private final Path current;
    private final FileChannel out;
    private final long maxBytes;
    private final int keep;
    private final RotatedNames copyNames;
    private boolean atLineStart = true;

    /**
     * @param file    the log's name, which the copies are named after
     * @param current a path that opens the file {@code out} writes, even if {@code file} was since
     *                removed or replaced ({@code /proc/self/fd/1})
     * @param out     the file, open for appending
     */
    DaemonLog(Path file, Path current, FileChannel out, long maxBytes, int keep) {
        this.file = file;
        this.current = current;
        this.out = out;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.copyNames = new RotatedNames(file);
    }

    /**
     * Makes System.out and System.err (which the daemon logs to) this stream when the process's
     * stdout is a regular file: the daemon log the CLI opened. Otherwise (a terminal, a pipe) they are
     * left as they are.
     */
    public static void install(Path file) {
        Path stdout = Path.of("/proc/self/fd/1");
        if (!Files.isRegularFile(stdout)) {
            return;
        }
        PrintStream stream = new PrintStream(new DaemonLog(file, stdout, new FileOutputStream(FileDescriptor.out).getChannel(), MAX_BYTES, KEEP),
                true, StandardCharsets.UTF_8);
        System.setOut(stream);
        System.setErr(stream);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        if (atLineStart && out.size() >= maxBytes) {
            rotate();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        atLineStart = bytes[offset + length - 1] == '\n';
    }

    /** Copies the file aside and empties it; if the copy fails (a full disk), it is emptied all the same, or it would only grow. */
    private void rotate() throws IOException {
        Path copy = copyNames.next();
        String failed = null;
        try (FileChannel from = FileChannel.open(current, StandardOpenOption.READ);
             FileChannel to = SafePaths.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                long size = from.size();
                for (long done = 0; done < size; ) {
                    done += from.transferTo(done, size - done, to);
                }
            } catch (IOException e) {
                Files.deleteIfExists(copy); // this copy's part: never a file it did not create
                throw e;
            }
        } catch (IOException e) {
            failed = e.getMessage();
        }
        out.truncate(0);
        LogFiles.prune(file, keep);
        String passed = file.getFileName() + " passed " + Sizes.format(maxBytes);
        String line = failed == null ? passed + ": the lines before this are in " + copy.getFileName()
                : passed + " and could not be copied aside (" + failed + "): the lines before this are lost";
        String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC).format(Instant.now()); // as slf4j's lines
        out.write(ByteBuffer.wrap((stamp + " INFO DaemonLog - " + line + "\n").getBytes(StandardCharsets.UTF_8)));
    }

}
