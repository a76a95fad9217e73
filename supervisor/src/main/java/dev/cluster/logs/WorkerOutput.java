package dev.cluster.logs;

import dev.cluster.view.Untrusted;
import dev.cluster.protocol.AppSpec;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The output of one worker process. Its stdout and stderr are pipes the supervisor made: the
 * process writes into one end, the log thread reads the other and writes whole lines to the log
 * files. Owning the pipes is what lets the supervisor rotate files without losing or splitting a
 * line, stamp or wrap lines, and keep the last lines of stderr for {@code describe}.
 */
public final class WorkerOutput {
    private static final Logger log = LoggerFactory.getLogger(WorkerOutput.class);
    /** A line longer than this is written in pieces of this size: what a pipe may buffer is bounded. */
    static final int MAX_LINE = 256 * 1024;
    /** Reads of one pipe per wake-up: the others get their turn, epoll reports the rest again. */
    private static final int READS_PER_EVENT = 16;

    private final LogWriter writer;
    private final AppSpec spec;
    private final Pipe out;
    private final Pipe err;
    private final int linesKept;
    /** A remembered line is cut here: what {@code describe} shows of a worker is bounded, whatever it prints. */
    static final int MAX_REMEMBERED_LINE = 1_000;
    /** How the JDK, Netty, Spring Boot, Micronaut, Quarkus, Python and most C servers say the port they bind is taken. */
    private static final Pattern ADDRESS_IN_USE = Pattern.compile(
            "[Aa]ddress already in use|[Pp]ort \\S+ (?:was |is )?already in use|[Pp]ort \\d+ seems to be in use");
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    WorkerOutput(LogWriter writer, AppSpec spec, int id, Path outFile, Path errFile, int linesKept) throws IOException {
        this.writer = writer;
        this.spec = spec;
        this.linesKept = linesKept;
        this.out = new Pipe(outFile, new LineFormat(spec.logs(), spec.name(), id, false));
        Pipe e;
        try {
            e = new Pipe(errFile, new LineFormat(spec.logs(), spec.name(), id, true));
        } catch (IOException failure) {
            out.closeAll();
            throw failure;
        }
        this.err = e;
    }

    /**
     * Where the process's stdout goes: its pipe's write end as {@code /proc/self/fd/N}, which
     * {@link ProcessBuilder} opens as a new, blocking, description of the same pipe.
     */
    public File stdoutTarget() {
        return out.writeEndPath();
    }

    public File stderrTarget() {
        return err.writeEndPath();
    }

    /** The process started with the write ends: the supervisor closes its copies (so EOF means the process is done) and starts reading. */
    public void started() {
        out.closeWriteEnd();
        err.closeWriteEnd();
        writer.attach(out);
        writer.attach(err);
    }

    /** The process did not start: nothing to read. */
    public void discard() {
        out.closeAll();
        err.closeAll();
        closed.complete(null);
    }

    /** Completes when both pipes are at end of file: every line the process wrote is in its file. */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /** The last lines the process wrote to stderr, as written (no time stamp or JSON), each cut at {@value #MAX_REMEMBERED_LINE} characters. */
    public List<String> lastErrLines() {
        return err.lastLines();
    }

    /** The same for stdout, where some apps (Spring Boot) write why they failed. */
    public List<String> lastOutLines() {
        return out.lastLines();
    }

    /**
     * Whether any line the process wrote, on either stream, said the port it binds was taken: looked for in every line,
     * since the stack trace a framework prints after it (Micronaut's, dozens of lines) pushes it out of the last lines kept.
     */
    public boolean saidAddressInUse() {
        return out.saidAddressInUse || err.saidAddressInUse;
    }

    /** Whether this line says a bind found its address taken; a search for " in use" first, as nearly every line has none. */
    public static boolean saysAddressInUse(String line) {
        return line.contains(" in use") && ADDRESS_IN_USE.matcher(line).find();
    }

    private void pipeEnded() {
        if (out.ended && err.ended) {
            closed.complete(null);
        }
    }

    /**
     * A standby becomes worker {@code id}: what it writes from now on goes to that worker's files,
     * prefixed as that worker's (the lines before stay in the standby's files). Before it is told.
     */
    public void retarget(int id) {
        writer.retarget(out, writer.files().file(spec, id, false), new LineFormat(spec.logs(), spec.name(), id, false));
        writer.retarget(err, writer.files().file(spec, id, true), new LineFormat(spec.logs(), spec.name(), id, true));
    }

    /** Whether the worker's lines are being dropped (its log file cannot be written), and why; null when not. Any thread. */
    public String dropping() {
        for (Pipe pipe : new Pipe[] {out, err}) {
            RotatingFile file = pipe.target;
            String why = file == null ? null : file.dropping();
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** One of the two pipes, registered with the log thread's epoll; every method but the constructor and {@link #moveBeforeNextRead} runs there. */
    final class Pipe implements EpollIoHandle {
        private final FileDescriptor readEnd;
        private final FileDescriptor writeEnd;
        /** Where it goes: set again (on the log thread) when a standby becomes a worker. */
        private Path file;
        private LineFormat format;
        private volatile RotatingFile target;
        private IoRegistration registration;
        /** The start of a line whose end has not been read yet. */
        private byte[] carry = new byte[0];
        private int carryLength;
        private boolean ended;
        private final ArrayDeque<String> lastLines = new ArrayDeque<>();
        private volatile boolean saidAddressInUse;
        /**
         * A move to a worker's files, set on the supervisor's loop before the standby is handed its socket: whatever the log
         * thread reads after that was written after it (a waiting standby writes nothing), so the move comes first, even
         * when the log thread finds the pipe readable before it runs the task that makes the move.
         */
        private volatile Runnable pendingMove;

        Pipe(Path file, LineFormat format) throws IOException {
            FileDescriptor[] ends = FileDescriptor.pipe();
            this.readEnd = ends[0];
            this.writeEnd = ends[1];
            this.file = file;
            this.format = format;
        }

        Path file() {
            return file;
        }

        AppSpec spec() {
            return spec;
        }

        void attached(RotatingFile target, IoRegistration registration) {
            this.target = target;
            this.registration = registration;
        }

        /** Writes to {@code next} from now on, as {@code nextFormat}; returns the file it wrote to until now (null if none yet). */
        RotatingFile moveTo(Path nextFile, LineFormat nextFormat, RotatingFile next) {
            RotatingFile previous = target;
            file = nextFile;
            format = nextFormat;
            if (previous != null) {
                target = next;
            }
            return previous;
        }

        void moveBeforeNextRead(Runnable move) {
            pendingMove = move;
        }

        /** Makes the pending move, if any; on the log thread. */
        void movePending() {
            Runnable move = pendingMove;
            pendingMove = null;
            if (move != null) {
                move.run();
            }
        }

        File writeEndPath() {
            return new File("/proc/self/fd/" + writeEnd.intValue());
        }

        @Override
        public FileDescriptor fd() {
            return readEnd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            movePending();
            if (ended || target == null) {
                return; // not attached yet: it will be within this same task of the log thread
            }
            byte[] stamp = format.stamp(Instant.now());
            byte[] chunk = writer.chunk();
            for (int reads = 0; reads < READS_PER_EVENT; reads++) {
                int n;
                try {
                    n = readEnd.read(writer.readBuffer(), 0, chunk.length);
                } catch (IOException e) {
                    log.warn("reading {}'s pipe: {}", file.getFileName(), e.getMessage());
                    n = -1;
                }
                if (n == 0) {
                    break; // EAGAIN: read all there was
                }
                if (n < 0) {
                    end(stamp);
                    return;
                }
                writer.readBuffer().get(0, chunk, 0, n);
                lines(chunk, n, stamp);
            }
            target.flush();
        }

        private void lines(byte[] chunk, int n, byte[] stamp) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    if (carryLength == 0) {
                        write(chunk, start, i - start, stamp);
                    } else {
                        addToCarry(chunk, start, i - start);
                        write(carry, 0, carryLength, stamp);
                        carryLength = 0;
                    }
                    start = i + 1;
                }
            }
            while (start < n) {
                int piece = Math.min(n - start, MAX_LINE - carryLength);
                addToCarry(chunk, start, piece);
                start += piece;
                if (carryLength == MAX_LINE) {
                    write(carry, 0, carryLength, stamp);
                    carryLength = 0;
                }
            }
        }

        private void addToCarry(byte[] bytes, int offset, int length) {
            if (carryLength + length > carry.length) {
                carry = Arrays.copyOf(carry, Math.max(carryLength + length, Math.min(MAX_LINE, Math.max(256, carry.length * 2))));
            }
            System.arraycopy(bytes, offset, carry, carryLength, length);
            carryLength += length;
        }

        private void write(byte[] line, int offset, int length, byte[] stamp) {
            format.format(line, offset, length, stamp);
            target.append(format.bytes(), format.length());
            remember(line, offset, length);
        }

        /** The line as {@code describe} and a failed start show it: escaped (it is the worker's text) and bounded. */
        private void remember(byte[] line, int offset, int length) {
            String text = Untrusted.escape(new String(line, offset, Math.min(length, MAX_REMEMBERED_LINE * 4), StandardCharsets.UTF_8),
                    MAX_REMEMBERED_LINE);
            if (!saidAddressInUse && saysAddressInUse(text)) {
                saidAddressInUse = true;
            }
            synchronized (lastLines) {
                if (lastLines.size() == linesKept) {
                    lastLines.removeFirst();
                }
                lastLines.addLast(text);
            }
        }

        List<String> lastLines() {
            synchronized (lastLines) {
                return List.copyOf(lastLines);
            }
        }

        /** End of file: the process (and any child it gave the pipe to) is gone. A last line without newline still counts. */
        private void end(byte[] stamp) {
            if (carryLength > 0) {
                write(carry, 0, carryLength, stamp);
                carryLength = 0;
            }
            ended = true;
            registration.cancel();
            closeQuietly(readEnd);
            writer.detach(target);
            pipeEnded();
        }

        @Override
        public void close() {
            closeQuietly(readEnd);
        }

        /** Its file could not be opened or the pipe not registered: nothing will be read from it. */
        void fail() {
            closeQuietly(readEnd);
            ended = true;
            pipeEnded();
        }

        void closeWriteEnd() {
            closeQuietly(writeEnd);
        }

        void closeAll() {
            closeQuietly(readEnd);
            closeQuietly(writeEnd);
            ended = true;
        }

        private void closeQuietly(FileDescriptor fd) {
            try {
                fd.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
