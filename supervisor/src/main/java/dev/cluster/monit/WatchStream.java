package dev.cluster.monit;

import dev.cluster.protocol.LineReader;
import dev.cluster.protocol.ProtocolException;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The daemon's {@code watch} stream on one control-socket connection: a frame a second, pushed,
 * no request per frame. Runs on a thread of its own; when the daemon goes away (killed, restarted)
 * it says so and connects again once a second until the daemon is back. Never starts a daemon.
 */
final class WatchStream implements AutoCloseable {
    private static final long RETRY_MS = 1_000;

    /** What the screen learns from the stream: a frame, or that the connection is down (and why). */
    interface Listener {
        void frame(Response frame);

        void down(String why);
    }

    private final Path socket;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean closed;
    private volatile SocketChannel channel;

    WatchStream(Path socket, Listener listener) {
        this.socket = socket;
        this.listener = listener;
        this.thread = new Thread(this::run, "watch-stream");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (!closed) {
            try (SocketChannel open = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel = open;
                Wire.write(open, new Request.Watch());
                LineReader lines = new LineReader(open);
                Response frame;
                while ((frame = lines.read(Response.class)) != null) {
                    if (!frame.ok()) {
                        listener.down("the supervisor refused: " + frame.error());
                        break;
                    }
                    listener.frame(frame);
                }
                if (!closed) {
                    listener.down("the supervisor closed the connection (stopped or restarting)");
                }
            } catch (IOException e) {
                if (!closed) {
                    listener.down("no supervisor is running on " + socket.getParent() + ": start one with 'cluster start'");
                }
            } catch (ProtocolException e) {
                listener.down("the supervisor speaks another protocol (" + e.getMessage() + "): run 'cluster kill' and start again");
            }
            sleep(RETRY_MS);
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        SocketChannel open = channel;
        if (open != null) {
            try {
                open.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        thread.interrupt();
    }
}
