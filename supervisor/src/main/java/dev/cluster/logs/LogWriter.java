package dev.cluster.logs;

import dev.cluster.protocol.AppSpec;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Writes every worker's output. One thread of its own (not the supervisor's loop, which must stay
 * quick whatever the disk does) reads all the workers' pipes through epoll and appends their lines
 * to {@link RotatingFile}s; gzip runs on one more thread when a file is rotated with compression.
 * The same thread is the daemon's file thread for other slow reads too ({@link #thread()}: the
 * /proc sampling), rather than a thread for each.
 */
public final class LogWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final int READ_SIZE = 32 * 1024;

    private final LogFiles files;
    private final MultiThreadIoEventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cluster-files", true), EpollIoHandler.newFactory());
    private final IoEventLoop loop = (IoEventLoop) group.next();
    private final ExecutorService compressor = Executors.newSingleThreadExecutor(new DefaultThreadFactory("cluster-gzip", true));
    /** The files being written, by path: workers of a --merge-logs app share theirs. */
    private final Map<Path, RotatingFile> open = new HashMap<>();
    /** Every pipe is read into these on the log thread, one at a time. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_SIZE);
    private final byte[] chunk = new byte[READ_SIZE];
    private final RotatingFile.Batch batch = new RotatingFile.Batch();

    /** Whether the midnight rotation is scheduled: only once an app with --log-daily writes. */
    private boolean midnightScheduled;

    public LogWriter(LogFiles files) {
        this.files = files;
    }

    /** Makes the pipes for worker {@code id} of an app about to start; {@code linesKept}: the last lines of each stream remembered. */
    public WorkerOutput open(AppSpec spec, int id, int linesKept) throws IOException {
        return new WorkerOutput(this, spec, id, files.file(spec, id, false), files.file(spec, id, true), linesKept);
    }

    /** The pipes for a standby of an app: its own files, {@code <app>-standby-out.log} and {@code -err.log}, until it becomes a worker. */
    public WorkerOutput openStandby(AppSpec spec, int linesKept) throws IOException {
        return new WorkerOutput(this, spec, -1, files.standbyFile(spec, false), files.standbyFile(spec, true), linesKept);
    }

    LogFiles files() {
        return files;
    }

    /** Points a pipe at another file (a standby becomes a worker): on the file thread, before it next reads the pipe. */
    void retarget(WorkerOutput.Pipe pipe, Path file, LineFormat format) {
        pipe.moveBeforeNextRead(() -> {
            RotatingFile next;
            try {
                next = acquire(file, pipe.spec());
            } catch (IOException e) {
                log.error("cannot open {}: {}; the worker's output stays in {}", file, e.getMessage(), pipe.file());
                return;
            }
            RotatingFile previous = pipe.moveTo(file, format, next);
            if (previous != null) {
                detach(previous);
            } else {
                detach(next); // not attached yet: attach() acquires the new file itself
            }
        });
        loop.execute(pipe::movePending);
    }

    /** The file thread, for other work that reads files and must stay off the supervisor's loop. */
    public Executor thread() {
        return loop;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    byte[] chunk() {
        return chunk;
    }

    /** Starts reading a pipe into its file. */
    void attach(WorkerOutput.Pipe pipe) {
        loop.execute(() -> {
            RotatingFile file;
            try {
                file = acquire(pipe.file(), pipe.spec());
            } catch (IOException e) {
                log.error("cannot open {}: {}; the worker's output is discarded", pipe.file(), e.getMessage());
                pipe.fail();
                return;
            }
            Future<IoRegistration> registered = loop.register(pipe);
            registered.addListener(done -> {
                if (!registered.isSuccess()) {
                    log.error("cannot read the output pipe for {}: {}", pipe.file(), registered.cause().toString());
                    pipe.fail();
                    detach(file);
                    return;
                }
                pipe.attached(file, registered.getNow());
                registered.getNow().submit(EpollIoOps.EPOLLIN);
            });
        });
    }

    private RotatingFile acquire(Path path, AppSpec app) throws IOException {
        RotatingFile file = open.get(path);
        if (file == null) {
            file = new RotatingFile(path, app.logs(), app.name(), compressor, batch);
            open.put(path, file);
            if (app.logs().daily() && !midnightScheduled) {
                midnightScheduled = true;
                scheduleMidnight();
            }
        }
        file.addWriter();
        return file;
    }

    /** A pipe ended: its file closes once no other pipe writes there. */
    void detach(RotatingFile file) {
        file.flush();
        if (file.removeWriter()) {
            open.remove(file.path());
        }
    }

    private void scheduleMidnight() {
        loop.schedule(() -> {
            open.values().stream().filter(f -> f.spec().daily()).forEach(RotatingFile::rotateIfNotEmpty);
            scheduleMidnight();
        }, untilMidnight(ZonedDateTime.now(ZoneId.systemDefault())).toMillis(), TimeUnit.MILLISECONDS);
    }

    /** From {@code now} to the next local midnight (23 or 25 hours away on a DST day's eve, not 24). */
    static Duration untilMidnight(ZonedDateTime now) {
        return Duration.between(now, now.toLocalDate().plusDays(1).atStartOfDay(now.getZone()));
    }

    /** Writes out what is buffered and closes every file; the workers are gone by now. Bounded: a stuck disk does not keep the daemon up. */
    @Override
    public void close() {
        loop.submit(() -> open.values().forEach(RotatingFile::close)).awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        compressor.shutdown();
        try {
            compressor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
