package dev.cluster.daemon;

import dev.cluster.protocol.ProtocolException;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** One CLI connection on the control socket: each line is a {@link Request}, answered by one {@link Response}. */
final class ControlHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(ControlHandler.class);
    static final long HEARTBEAT_MS = 1_000;
    private final Supervisor supervisor;

    ControlHandler(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
        Request request;
        try {
            request = Wire.decode(LineServer.bytes(line), Request.class);
        } catch (ProtocolException e) {
            log.warn("control connection closed: {}", e.getMessage());
            LineServer.send(ctx.channel(), Response.error(e.getMessage())).addListener(f -> ctx.close());
            return;
        }
        Channel channel = ctx.channel();
        if (request instanceof Request.Watch) {
            // A stream, not an answer: a frame a second for as long as the connection lives. A client
            // that stops reading (monit suspended) skips frames instead of piling them up here.
            Runnable stop = supervisor.watch(frame -> {
                if (channel.isWritable()) {
                    LineServer.send(channel, frame);
                }
            });
            channel.closeFuture().addListener(f -> stop.run());
            return;
        }
        // A heartbeat a second until the answer: the CLI gives up on a supervisor it has not heard from
        // for a few seconds (stopped, overloaded), however long the operation itself takes.
        ScheduledFuture<?> heartbeat = channel.eventLoop().scheduleAtFixedRate(() -> LineServer.send(channel, Response.HEARTBEAT),
                HEARTBEAT_MS, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> heartbeat.cancel(false));
        supervisor.handle(request, response -> {
            if (response.progress() == null) {
                heartbeat.cancel(false);
            }
            LineServer.send(channel, response);
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.warn("control connection closed: request longer than {} bytes", Wire.MAX_LINE_BYTES);
        } else {
            log.warn("control connection closed: {}", cause.toString());
        }
        ctx.close();
    }
}
