package dev.cluster.daemon;

import dev.cluster.view.Untrusted;
import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.ProtocolException;
import dev.cluster.protocol.WorkerMessage;
import dev.cluster.protocol.Wire;
import dev.cluster.reload.ListeningSockets;
import dev.cluster.worker.Attempt;
import dev.cluster.worker.ProcessGroups;
import dev.cluster.worker.Slot;
import dev.cluster.worker.Standby;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.TooLongFrameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * One worker's connection on the worker socket. The worker is identified by the kernel's word for
 * the peer's pid (SO_PEERCRED), not by what it claims, so one worker cannot speak for another.
 */
final class WorkerHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(WorkerHandler.class);
    /** Bounds on what is kept of a stall's text: a worker's report cannot grow the daemon's heap. */
    private static final int MAX_NAME = 200;
    private static final int MAX_FRAME = 500;
    private static final int MAX_FRAMES = 64;
    private final Supervisor supervisor;
    private Attempt worker;
    private Runnable drainRequest;
    /** A training start of the start cache on this connection (it is no worker): its pid, else 0. */
    private long training;
    /** A standby on this connection, until it takes over a slot (then its attempt is {@link #worker}). */
    private Standby standby;
    /** The peer's pid (SO_PEERCRED), or the worker's whose group it is in, once it is known to be a worker, a standby or a given-up replacement; else 0. */
    private long peer;

    WorkerHandler(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) throws IOException {
        if (!ctx.channel().isOpen()) {
            // Lines read in the same batch as one this handler answered by closing: the verdict stands for them too.
            return;
        }
        WorkerMessage message;
        try {
            message = Wire.decode(LineServer.bytes(line), WorkerMessage.class);
        } catch (ProtocolException e) {
            log.warn("worker connection closed: {}", e.getMessage());
            ctx.close();
            return;
        }
        if (training != 0) {
            training(ctx, message);
            return;
        }
        if (standby != null) {
            worker = supervisor.attemptWithPid(standby.pid()).orElse(null);
            if (worker == null) {
                standby(ctx, message);
                return;
            }
            standby = null; // it took over a slot: from here on it is that slot's worker
        }
        if (worker == null) {
            long pid = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials().pid();
            long connected = pid;
            if (!known(pid)) {
                // A script that runs java without exec: the JVM that connects is a child of the started process, in its group.
                long group = ProcessGroups.of(pid);
                if (group != 0 && known(group)) {
                    log.info("worker connection from pid {}, a process of worker pid {} (its process group)", pid, group);
                    pid = group;
                }
            }
            worker = supervisor.attemptWithPid(pid).orElse(null);
            if (worker != null && connected != pid) {
                worker.reportsFrom(connected);
            }
            standby = worker == null ? supervisor.standbyWithPid(pid).orElse(null) : null;
            peer = worker != null || standby != null ? pid : 0;
            if (worker == null && supervisor.startCache().isTraining(pid)) {
                training = pid;
                training(ctx, message);
            } else if (standby != null) {
                standby(ctx, message);
            } else if (worker == null && supervisor.givenUp(pid)) {
                peer = pid; // what the closed connection reports is its death, which it is
                log.info("worker connection from pid {} closed: a replacement given up and killed", pid);
                ctx.close();
            } else if (worker == null && ProcessHandle.of(pid).isEmpty()) {
                // Its exit was handled first (the reaper's thread and this connection's race): a worker stopped as it started, say.
                log.info("worker connection from pid {} closed: that process has exited", pid);
                ctx.close();
            } else if (worker == null) {
                log.warn("worker connection from pid {} closed: no worker has that pid", pid);
                ctx.close();
            } else if (message instanceof WorkerMessage.Hello hello) {
                hello(ctx, hello);
            } else if (message instanceof WorkerMessage.Listen listen) {
                sendListener(ctx, listen);
            } else {
                log.warn("worker connection from pid {} closed: its first message must be hello or listen", pid);
                ctx.close();
            }
            return;
        }
        if (message instanceof WorkerMessage.Hello hello) {
            hello(ctx, hello); // the library's, after its agent's
        } else if (message instanceof WorkerMessage.Ready) {
            worker.onReady();
        } else if (message instanceof WorkerMessage.Watch watch) {
            supervisor.watchDeath(peer, watch);
        } else if (message instanceof WorkerMessage.Metrics metrics && metrics.telemetry() != null) {
            try {
                worker.report(metrics.telemetry(), System.currentTimeMillis());
            } catch (IllegalArgumentException | NullPointerException e) {
                refused(e.getMessage() == null ? e.toString() : e.getMessage());
            }
        } else if (message instanceof WorkerMessage.Blocked blocked && blocked.blocked() != null) {
            BlockedReport stall = escaped(blocked.blocked());
            worker.blocked(stall);
            log.warn("{} {} blocked {} ms at {}", worker.slot().name(), stall.loop(), stall.durationMs(), stall.culprit());
        } else {
            log.warn("{}: a {} message out of place, ignored", worker.slot().name(), message.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * A standby, before it takes over a slot: its hello is kept for then (with the way to tell it its
     * worker id), its request for a socket waits for then; its reports are not a worker's yet.
     */
    private void standby(ChannelHandlerContext ctx, WorkerMessage message) {
        if (message instanceof WorkerMessage.Hello hello) {
            boolean agent = Boolean.TRUE.equals(hello.agent());
            drainRequest = agent ? null : () -> LineServer.send(ctx.channel(), new WorkerMessage.Shutdown());
            standby.hello(agent, drainRequest, id -> LineServer.send(ctx.channel(), new WorkerMessage.Assigned(id)));
        } else if (message instanceof WorkerMessage.Watch watch) {
            supervisor.watchDeath(peer, watch);
        } else if (message instanceof WorkerMessage.Listen listen) {
            standby.asked(listen.host(), listen.ipv6(), fds -> {
                for (int fd : fds) {
                    ctx.write(new FileDescriptor(fd));
                }
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            });
            standby = null; // this connection only carries the socket
            peer = 0;
        }
    }

    /**
     * A training start: it gets a listening socket on a loopback port of its own (never the app's), one
     * for each port it binds (the app's, its --shared-port), and its "ready" ends it; its hello and
     * reports are not a worker's and are let be.
     */
    private void training(ChannelHandlerContext ctx, WorkerMessage message) {
        if (message instanceof WorkerMessage.Listen listen) {
            try {
                ctx.write(new FileDescriptor(supervisor.startCache().listener(training, listen.ipv6(), listen.port())));
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } catch (IOException e) {
                log.warn("training start pid {}: no listening socket: {}", training, e.getMessage());
                ctx.close();
            }
        } else if (message instanceof WorkerMessage.Ready) {
            supervisor.startCache().ready(training);
        }
    }

    /** An agent's hello only identifies the process; a library hello also means "I will say ready and drain when asked". */
    private void hello(ChannelHandlerContext ctx, WorkerMessage.Hello message) {
        if (Boolean.TRUE.equals(message.agent())) {
            worker.onAgentHello();
        } else {
            drainRequest = () -> LineServer.send(ctx.channel(), new WorkerMessage.Shutdown());
            worker.onHello(drainRequest);
        }
    }

    /** The listening socket for this process, for handoff; bound on first use. */
    private static int[] listenersFor(Attempt attempt, String host, Boolean ipv6) throws IOException {
        Slot slot = attempt.slot();
        if (!(slot.app().sockets() instanceof ListeningSockets sockets)) {
            throw new IOException("its app has no listening sockets held");
        }
        if (slot.app().spec().servesNoPort()) { // it claimed no port: another app may serve this one
            throw new IOException("it binds port " + slot.app().spec().port() + " though its --listen-timeout 0 says it serves no port, "
                    + "so that port was not checked or held for it: if it serves one, give it a --listen-timeout other than 0");
        }
        int fd = sockets.fd(slot.id(), attempt == slot.replacement(), host == null ? "127.0.0.1" : host, ipv6, attempt.process());
        attempt.handedSocket();
        return new int[] {fd};
    }

    /**
     * Sends copies of the slot's listening sockets (SCM_RIGHTS, one message each), then hangs up.
     * The library's request takes all of them; the agent's ({@code agent}: an unmodified app) takes
     * the slot's own, bound like the socket the app bound itself, in whose place it goes.
     */
    private void sendListener(ChannelHandlerContext ctx, WorkerMessage.Listen request) {
        boolean agent = Boolean.TRUE.equals(request.agent());
        try {
            int[] fds = listenersFor(worker, request.host(), request.ipv6());
            for (int fd : fds) {
                ctx.write(new FileDescriptor(fd));
            }
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            if (agent) {
                log.info("{}: the app's socket on {} replaced by the slot's (handoff)", worker.slot().name(), request.host());
            }
        } catch (IOException e) {
            log.warn("{}: no listening socket handed over{}: {}", worker.slot().name(), agent ? ", the app serves the socket it bound" : "", e.getMessage());
            ctx.close();
        }
        worker = null; // this connection is not the worker's message channel
        peer = 0;
    }

    /** What the worker says about a stall, escaped and bounded before it is logged or kept. */
    private static BlockedReport escaped(BlockedReport r) {
        return new BlockedReport(Untrusted.escape(r.loop(), MAX_NAME), r.durationMs(), r.startedAtEpochMs(),
                r.stack().stream().limit(MAX_FRAMES).map(frame -> Untrusted.escape(frame, MAX_FRAME)).toList(), r.paused(),
                Math.max(0, Math.min(r.waitedMs(), r.durationMs())));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer != 0) {
            supervisor.workerConnectionClosed(peer);
        }
        Attempt attempt = worker != null ? worker : standby != null ? supervisor.attemptWithPid(standby.pid()).orElse(null) : null;
        if (attempt != null) {
            attempt.onSocketClosed(drainRequest);
        }
    }

    /** A report refused at the door: counted on the worker's slot (describe shows it), logged now and then. */
    private void refused(String why) {
        String escaped = Untrusted.escape(why, MAX_FRAME);
        if (worker.slot().telemetry().onRefused(escaped)) {
            log.warn("{}: a report refused: {} (describe counts them)", worker.slot().name(), escaped);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException && worker != null) {
            // The decoder discards the line up to its end; the connection and the worker's next reports stay.
            refused("a line of more than " + Wire.MAX_WORKER_LINE_BYTES / 1024 + " KB");
            return;
        }
        if (cause instanceof IOException && peer != 0) {
            // A worker killed before it read what it was sent (the drain request to a stuck or paused one) resets its end:
            // that is its death, which its exit reports; no warning of its own.
            log.info("pid {}: its connection ended: {}", peer, cause.getMessage());
        } else {
            log.warn("worker connection closed: {}", cause.toString());
        }
        ctx.close();
    }

    /** Whether {@code pid} is a worker, a standby or a training start. */
    private boolean known(long pid) {
        return supervisor.attemptWithPid(pid).isPresent() || supervisor.standbyWithPid(pid).isPresent() || supervisor.startCache().isTraining(pid);
    }
}
