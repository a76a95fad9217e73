package dev.cluster.daemon;

import dev.cluster.protocol.ProtocolException;
import dev.cluster.protocol.WorkerMessage;
import dev.cluster.protocol.Wire;
import dev.cluster.worker.Worker;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * One worker's connection on the worker socket. The worker is identified by the kernel's word for
 * the peer's pid (SO_PEERCRED), not by what it claims, so one worker cannot speak for another.
 */
final class WorkerHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(WorkerHandler.class);
    private final Supervisor supervisor;
    private Worker worker;
    private Runnable drainRequest;

    WorkerHandler(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) throws IOException {
        WorkerMessage message;
        try {
            message = Wire.decode(LineServer.bytes(line), WorkerMessage.class);
        } catch (ProtocolException e) {
            log.warn("worker connection closed: {}", e.getMessage());
            ctx.close();
            return;
        }
        if (worker == null) {
            long pid = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials().pid();
            if (!WorkerMessage.HELLO.equals(message.type())) {
                log.warn("worker connection from pid {} closed: first message must be hello, got {}", pid, message.type());
                ctx.close();
                return;
            }
            worker = supervisor.workerWithPid(pid).orElse(null);
            if (worker == null) {
                log.warn("worker connection from pid {} closed: no worker has that pid", pid);
                ctx.close();
                return;
            }
            drainRequest = () -> LineServer.send(ctx.channel(), WorkerMessage.of(WorkerMessage.SHUTDOWN));
            worker.onHello(drainRequest);
            return;
        }
        if (WorkerMessage.READY.equals(message.type())) {
            worker.onReady();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (worker != null) {
            worker.onSocketClosed(drainRequest);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("worker connection closed: {}", cause.toString());
        ctx.close();
    }
}
