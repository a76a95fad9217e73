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
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A Unix-domain socket server speaking newline-delimited JSON, owner-only. Both the control socket
 * and the worker socket are one of these; they differ in the handler.
 */
final class LineServer {
    private LineServer() {
    }

    static Channel bind(EventLoopGroup group, Path path, Supplier<ChannelHandler> handler) throws IOException {
        Files.deleteIfExists(path); // left by a daemon that died; we hold the lock, so it is not live
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                // Lines of a few hundred bytes, a few a second per worker: a pooled allocator's
                // arenas would hold ~4 MB of the daemon's 64 MB for nothing.
                .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(Wire.MAX_LINE_BYTES, true, true), handler.get());
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
}
