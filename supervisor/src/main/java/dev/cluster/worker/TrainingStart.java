package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One training start of the {@link StartCache}: the app's JVM with the record option, on a loopback
 * port of its own. Once it listens there (or, with the library, says ready), it is sent
 * {@value #EXERCISE_REQUESTS} {@code GET /} requests, then SIGTERM, and its JVM writes the archive as
 * it exits. Not ready within the timeout, or not gone within it after SIGTERM (a shutdown hook that
 * never ends): killed. Used on the supervisor's loop.
 */
final class TrainingStart {
    private static final Logger log = LoggerFactory.getLogger(TrainingStart.class);
    static final int EXERCISE_REQUESTS = 20;
    private static final long POLL_MS = 200;

    private final Process process;
    /** The app's --port: a socket asked for in place of a bind of another port (its --shared-port) is not the one exercised. */
    private final int appPort;
    private final Loop loop;
    private final long timeoutMs;
    private final long startedNanos;
    private final CompletableFuture<Boolean> exited = new CompletableFuture<>();
    /** The port it listens on: chosen for it (without the agent), or its socket's from {@link #listener} (handoff). */
    private int port;
    private Socket socket;
    /** Loopback sockets given in place of its binds of other ports than the app's (its --shared-port). */
    private final List<Socket> others = new ArrayList<>();
    private boolean ready;

    private TrainingStart(Process process, int appPort, int port, Loop loop, long timeoutMs) {
        this.process = process;
        this.appPort = appPort;
        this.port = port;
        this.loop = loop;
        this.timeoutMs = timeoutMs;
        this.startedNanos = loop.nanoTime();
    }

    /**
     * @param ownPort true: without the agent, on a free port chosen here; false: with the agent,
     *                taking its socket from the supervisor ({@link #listener})
     */
    static TrainingStart begin(ArchiveMaker.Trainer trainer, AppSpec spec, String recordOption, boolean ownPort, Path output, Loop loop,
                               long timeoutMs) throws IOException {
        int port = 0;
        if (ownPort) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
        }
        TrainingStart t = new TrainingStart(trainer.start(spec, List.of(recordOption), port, output), spec.port(), port, loop, timeoutMs);
        t.process.onExit().thenRunAsync(t::onExit, loop);
        loop.schedule(t::poll, POLL_MS);
        return t;
    }

    long pid() {
        return process.pid();
    }

    long tookMs() {
        return (loop.nanoTime() - startedNanos) / 1_000_000;
    }

    /** Completes when the process has exited: true if it had become ready (so what it wrote is an archive of a real start). */
    CompletableFuture<Boolean> exited() {
        return exited;
    }

    /**
     * Its listening socket in place of its bind of {@code bound} (null: the app's port), on an ephemeral
     * loopback port: never one of the app's. The app's port's is made once and exercised; another port's
     * (its --shared-port: a management server) is one of its own each time, so that no real client reaches it.
     */
    int listener(Boolean ipv6, Integer bound) throws IOException {
        boolean appsPort = bound == null || bound == appPort;
        if (appsPort && socket != null) {
            return socket.intValue();
        }
        Epoll.ensureAvailability();
        Socket made = LinuxSocket.newSocketStream(ipv6 != null ? ipv6 : Socket.isIPv6Preferred());
        made.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        made.listen(16);
        if (appsPort) {
            socket = made;
            port = made.localAddress().getPort();
        } else {
            others.add(made);
            log.info("training start pid {}: its bind of port {} (--shared-port) given loopback port {} instead", process.pid(), bound,
                    made.localAddress().getPort());
        }
        return made.intValue();
    }

    /** The library said ready. */
    void ready() {
        if (port != 0 && !ready) {
            exercise();
        }
    }

    private void poll() {
        if (!process.isAlive() || ready) {
            return;
        }
        if (port != 0 && PortListeners.listens(process.pid(), port)) {
            exercise();
        } else if (tookMs() > timeoutMs) {
            process.destroyForcibly();
        } else {
            loop.schedule(this::poll, POLL_MS);
        }
    }

    /** The requests, off the loop (whatever it answers, even 404, runs its HTTP stack), then SIGTERM. */
    private void exercise() {
        ready = true;
        int target = port;
        Thread requests = new Thread(() -> {
            for (int i = 0; i < EXERCISE_REQUESTS; i++) {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 1_000);
                    s.setSoTimeout(2_000);
                    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().readAllBytes();
                } catch (IOException e) {
                    // not HTTP, or gone: it has loaded what it would
                }
            }
            loop.execute(this::end);
        }, "cluster-training-requests");
        requests.setDaemon(true);
        requests.start();
    }

    /** SIGTERM: its JVM writes what it recorded as it exits. SIGKILL if it is still there after the timeout. */
    private void end() {
        process.destroy();
        loop.schedule(() -> {
            if (process.isAlive()) {
                log.warn("training start pid {} did not exit within {} s of SIGTERM (a shutdown hook of the app that does not end?): SIGKILL",
                        process.pid(), timeoutMs / 1000);
                process.destroyForcibly();
            }
        }, timeoutMs);
    }

    /** SIGKILL now: the supervisor exits (what it wrote is cleared by the next one's start). */
    void kill() {
        process.destroyForcibly();
    }

    private void onExit() {
        List<Socket> all = new ArrayList<>(others);
        if (socket != null) {
            all.add(socket);
        }
        for (Socket s : all) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        exited.complete(ready);
    }
}
