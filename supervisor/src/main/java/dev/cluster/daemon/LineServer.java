package dev.cluster.daemon;

import dev.cluster.home.SafePaths;
import dev.cluster.protocol.Wire;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A Unix-domain socket server speaking newline-delimited JSON, owner-only. Both the control socket
 * and the worker socket are one of these; they differ in the handler and the {@link Limits}. Even an
 * owner's process can misbehave (a buggy worker, a stuck script), so what a connection may hold of
 * the daemon is bounded: how many connections, how long a line may take, and how many bytes of
 * unfinished lines all connections together may hold.
 */
final class LineServer {
    private static final Logger log = LoggerFactory.getLogger(LineServer.class);

    /**
     * @param name             for the log: "control" or "worker"
     * @param maxLineBytes     a longer line is refused ({@link io.netty.handler.codec.TooLongFrameException} to the handler)
     * @param maxConnections   connections beyond this many are closed at once
     * @param lineTimeoutMs    the first line must come within this of connecting, and a line once begun must end within it
     * @param maxPendingBytes  unfinished lines of all connections together; the connection that would pass it is closed
     */
    record Limits(String name, int maxLineBytes, int maxConnections, long lineTimeoutMs, long maxPendingBytes) {
        /** The CLI's: one request per connection (start requests carry an app's whole spec). */
        static final Limits CONTROL = new Limits("control", Wire.MAX_LINE_BYTES, 128, 10_000, 16L << 20);
        /** The workers': one connection each for reports, and short ones for listening sockets. */
        static final Limits WORKER = new Limits("worker", Wire.MAX_WORKER_LINE_BYTES, 4_096, 10_000, 16L << 20);
    }

    private LineServer() {
    }

    static Channel bind(EventLoopGroup group, Path path, Limits limits, Supplier<ChannelHandler> handler) throws IOException {
        Files.deleteIfExists(path); // left by a daemon that died; we hold the lock, so it is not live
        Budget budget = new Budget(limits);
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                // Lines of a few hundred bytes, a few a second per worker: a pooled allocator's
                // arenas would hold ~4 MB of the daemon's 64 MB for nothing. Heap buffers: what a
                // line holds counts against the budget below, not the JVM's small direct-memory limit.
                .childOption(ChannelOption.ALLOCATOR, new UnpooledByteBufAllocator(false))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (budget.connections >= limits.maxConnections()) {
                            log.warn("{} connection refused: {} are open already, the most the supervisor takes", limits.name(), budget.connections);
                            ch.close();
                            return;
                        }
                        budget.connections++;
                        ch.closeFuture().addListener(f -> budget.connections--);
                        ch.pipeline().addLast(new BoundedLines(limits, budget), handler.get());
                    }
                })
                .bind(new DomainSocketAddress(path.toFile()))
                .syncUninterruptibly()
                .channel();
        SafePaths.ownerOnly(path);
        return channel;
    }

    static byte[] bytes(ByteBuf line) {
        return ByteBufUtil.getBytes(line);
    }

    static ChannelFuture send(Channel channel, Object message) {
        return channel.writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(message)));
    }

    /** What all connections of one server hold together. Used on the daemon's one event-loop thread only. */
    private static final class Budget {
        final Limits limits;
        int connections;
        long pendingBytes;

        Budget(Limits limits) {
            this.limits = limits;
        }
    }

    /**
     * Lines, as {@link LineBasedFrameDecoder} cuts them (a too-long one is discarded up to its end and
     * reported), with the deadlines and the shared budget for what is not yet a whole line.
     */
    private static final class BoundedLines extends LineBasedFrameDecoder {
        private final Limits limits;
        private final Budget budget;
        private long pending;
        private boolean lineSeen;
        /** Bumped by every whole line: a deadline set before it no longer applies. */
        private long lines;

        BoundedLines(Limits limits, Budget budget) {
            super(limits.maxLineBytes(), true, true);
            this.limits = limits;
            this.budget = budget;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            deadline(ctx, "no request within " + limits.lineTimeoutMs() / 1000 + " s of connecting");
            super.channelActive(ctx);
        }

        @Override
        protected Object decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
            Object line = super.decode(ctx, buffer);
            if (line != null) {
                lineSeen = true;
                lines++;
            }
            return line;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            super.channelRead(ctx, msg);
            long now = internalBuffer().readableBytes();
            budget.pendingBytes += now - pending;
            boolean begun = pending == 0 && now > 0;
            pending = now;
            if (budget.pendingBytes > limits.maxPendingBytes()) {
                close(ctx, "the supervisor holds " + (budget.pendingBytes >> 20) + " MB of unfinished " + limits.name() + " lines, the most it takes");
            } else if (begun && lineSeen) {
                deadline(ctx, "a line begun " + limits.lineTimeoutMs() / 1000 + " s ago is still unfinished");
            }
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            budget.pendingBytes -= pending;
            pending = 0;
        }

        /** Closes the connection unless a whole line arrives within the line timeout. */
        private void deadline(ChannelHandlerContext ctx, String why) {
            long linesThen = lines;
            ctx.executor().schedule(() -> {
                if (lines == linesThen && ctx.channel().isActive()) {
                    close(ctx, why);
                }
            }, limits.lineTimeoutMs(), TimeUnit.MILLISECONDS);
        }

        private void close(ChannelHandlerContext ctx, String why) {
            log.warn("{} connection closed: {}", limits.name(), why);
            ctx.close();
        }
    }
}
