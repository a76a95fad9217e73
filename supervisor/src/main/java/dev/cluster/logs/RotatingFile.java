package dev.cluster.logs;

import java.nio.channels.Channels;
import dev.cluster.home.SafePaths;
import dev.cluster.protocol.LogSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executor;
import java.util.zip.GZIPOutputStream;

/**
 * One log file the supervisor writes, whole lines at a time. It rotates by renaming: before a line
 * would take it past the size limit (or at midnight) the file becomes
 * {@code <name>.<yyyyMMdd-HHmmss.SSS>} (UTC, {@link LogFiles#rotatedName}) and a new one is opened under the old name. No line is split
 * and none is lost, unlike copy-then-truncate (pm2-logrotate), which drops what is written between
 * the two; a reader holding the old file reads it to its end. The newest {@code keep} rotated files
 * are kept; with {@code compress} each is gzipped on another thread. Used on the log thread only.
 */
final class RotatingFile {
    private static final Logger log = LoggerFactory.getLogger(RotatingFile.class);

    private final Path path;
    private final LogSpec spec;
    /** The app whose file this is: the line that marks a gap names it, as its workers' JSON lines do. */
    private final String app;
    private final Executor compressor;
    private final Batch batch;
    private FileChannel channel;
    /** Which file the path named when it was opened (device and inode): another, or none, means it was deleted or moved away. */
    private Object openedKey;
    /** Bytes in the file, not counting what waits in the batch. */
    private long size;
    /** Pipes writing here: more than one for merged logs. */
    private int writers;
    private boolean failing;
    /** While writes fail: what is wrong, since when, and how much is lost; read by the supervisor's loop for list and describe. */
    private volatile String dropping;
    private volatile Instant droppingSince;
    private volatile long droppedBytes;
    /** Whether the file's last byte ends a line: a disk that fills mid-write leaves part of one, which the gap's line must not join. */
    private boolean endsLine = true;
    private final RotatedNames archiveNames;

    /**
     * The log thread's one write buffer: a read's lines wait there and go to the file in one write.
     * It holds one file's lines at a time, so a file that takes it first writes out the previous
     * one's (one buffer for the thread rather than one per file keeps an idle daemon small).
     */
    static final class Batch {
        private final ByteBuffer bytes = ByteBuffer.allocate(64 * 1024);
        private RotatingFile owner;
    }

    RotatingFile(Path path, LogSpec spec, String app, Executor compressor, Batch batch) throws IOException {
        this.path = path;
        this.archiveNames = new RotatedNames(path);
        this.spec = spec;
        this.app = app;
        this.compressor = compressor;
        this.batch = batch;
        open();
    }

    Path path() {
        return path;
    }

    LogSpec spec() {
        return spec;
    }

    void addWriter() {
        writers++;
    }

    /** @return whether that was the last writer (the file is then flushed and closed) */
    boolean removeWriter() {
        if (--writers > 0) {
            return false;
        }
        close();
        return true;
    }

    /** Adds one whole line, its newline included; written at the latest by the next {@link #flush}. */
    void append(byte[] line, int length) {
        if (batch.owner != this) {
            if (batch.owner != null) {
                batch.owner.flush();
            }
            batch.owner = this;
        }
        ByteBuffer pending = batch.bytes;
        if (pending.position() == 0) {
            reopenIfGone();
            size = currentSize(); // 'cluster flush' may have emptied the file since the last write
        }
        long used = size + pending.position();
        if (spec.maxBytes() > 0 && used > 0 && used + length > spec.maxBytes()) {
            flush();
            rotate();
        }
        if (length > pending.remaining()) {
            flush();
        }
        if (length > pending.capacity()) {
            write(ByteBuffer.wrap(line, 0, length));
        } else {
            pending.put(line, 0, length);
        }
    }

    void flush() {
        if (batch.owner == this) {
            batch.bytes.flip();
            write(batch.bytes);
            batch.bytes.clear();
        }
    }

    /** The midnight rotation of a {@code daily} file: only if it has something in it. */
    void rotateIfNotEmpty() {
        flush();
        if (currentSize() > 0) {
            rotate();
        }
    }

    void close() {
        flush();
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing {}: {}", path, e.getMessage());
        }
    }

    private void open() throws IOException {
        // O_APPEND: a 'cluster flush' truncating the file while it is written leaves no hole.
        channel = SafePaths.append(path); // a link in place of a log file is refused, never followed
        size = channel.size();
        openedKey = keyAtPath();
    }

    private Object keyAtPath() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The file deleted or renamed while written (an rm to free disk space, a logrotate set up without copytruncate): the
     * lines would go on into a file no one can read, whose space is not freed until it is closed. A new one is opened at
     * the path, as a rotation's is, and the old one closed; checked once per batch of lines, a stat.
     */
    private void reopenIfGone() {
        Object now = keyAtPath();
        if (now != null && now.equals(openedKey)) {
            return;
        }
        FileChannel old = channel;
        try {
            open();
        } catch (IOException e) {
            openedKey = now; // tried again once the path changes again, not at every batch
            log.error("{} was deleted or moved away while written, and cannot be made again: {}; writing on to the old file", path, e.getMessage());
            return;
        }
        log.warn("{} was deleted or moved away while written (rm, or a logrotate without copytruncate): writing a new one there", path);
        try {
            old.close();
        } catch (IOException e) {
            log.warn("closing the old {}: {}", path, e.getMessage());
        }
    }

    private long currentSize() {
        try {
            return channel.size();
        } catch (IOException e) {
            return size;
        }
    }

    private void write(ByteBuffer bytes) {
        try {
            if (failing) {
                // The gap is said where it is, so that whoever reads the file does not take it for a quiet worker.
                String gap = Math.max(1, droppedBytes / 1024) + " KB of output dropped from " + droppingSince + " to "
                        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + dropping;
                writeFully(ByteBuffer.wrap(gapLine(gap)));
                failing = false;
                dropping = null;
                log.info("writing {} again; it says where its lines were dropped: {}", path, gap);
            }
            writeFully(bytes);
        } catch (IOException e) {
            if (!failing) {
                failing = true;
                droppedBytes = 0;
                droppingSince = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                dropping = "cannot write " + path.getFileName() + " (" + e.getMessage() + ")";
                log.error("cannot write {}: {}; its lines are dropped until it can (disk full?)", path, e.getMessage());
            }
            droppedBytes += bytes.remaining();
            bytes.position(bytes.limit());
        }
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            int written = channel.write(bytes);
            size += written;
            if (written > 0) {
                endsLine = bytes.get(bytes.position() - 1) == '\n';
            }
        }
    }

    /** The line that marks a gap, shaped as the file's other lines (a JSON object in a {@code --log-type json} file). */
    private byte[] gapLine(String gap) {
        byte[] line = LineFormat.supervisorLine(spec, app, "[cluster] " + gap, Instant.now());
        if (endsLine) {
            return line;
        }
        byte[] afterPart = new byte[line.length + 1];
        afterPart[0] = '\n';
        System.arraycopy(line, 0, afterPart, 1, line.length);
        return afterPart;
    }

    /** "cannot write F (why) since T, N KB dropped" while lines are being dropped, else null. Any thread. */
    String dropping() {
        String why = dropping;
        return why == null ? null : why + " since " + droppingSince + ", " + Math.max(1, droppedBytes / 1024) + " KB of output dropped so far";
    }

    private void rotate() {
        try {
            channel.close();
            Path archive = archiveNames.next();
            Files.move(path, archive);
            open();
            if (spec.compress() && spec.keep() > 0) {
                // Pruned on the gzip's thread, after it: a prune that lists the directory while a gzip renames and deletes
                // in it can miss a file altogether (seen: four rotated files kept of --log-keep 3, in a verify).
                compressor.execute(() -> {
                    gzip(archive);
                    prune();
                });
            } else {
                LogFiles.prune(path, spec.keep());
            }
        } catch (IOException e) {
            log.error("cannot rotate {}: {}; writing on to it", path, e.getMessage());
            try {
                if (!channel.isOpen()) {
                    open();
                }
            } catch (IOException again) {
                log.error("cannot reopen {}: {}", path, again.getMessage());
            }
        }
    }

    private void prune() {
        try {
            LogFiles.prune(path, spec.keep());
        } catch (IOException e) {
            log.error("cannot delete the oldest rotated files of {}: {}", path, e.getMessage());
        }
    }

    /**
     * Runs on the compressor thread: gzip next to it, then the plain file goes. `cluster flush` may
     * delete the file meanwhile (the plain file first): then whatever this made of it goes too, or a
     * gzipped copy made just after the flush listed the files would outlive it.
     */
    static void gzip(Path archive) {
        Path partial = archive.resolveSibling(archive.getFileName() + LogFiles.GZ_PARTIAL);
        Path gzipped = archive.resolveSibling(archive.getFileName() + LogFiles.GZ);
        try {
            Files.deleteIfExists(partial);
            try (InputStream in = Channels.newInputStream(SafePaths.open(archive, StandardOpenOption.READ));
                 OutputStream out = new GZIPOutputStream(Channels.newOutputStream(
                         SafePaths.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)), 64 * 1024)) {
                in.transferTo(out);
            }
            Files.move(partial, gzipped, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(archive);
        } catch (NoSuchFileException e) { // pruned meanwhile
            deleteQuietly(partial);
            deleteQuietly(gzipped);
        } catch (IOException e) {
            log.error("cannot gzip {}: {}; it stays uncompressed", archive, e.getMessage());
            deleteQuietly(partial);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // nothing more to do
        }
    }
}
