package dev.cluster.library;

import dev.cluster.protocol.WorkerMessage;
import dev.cluster.protocol.Wire;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Receives this worker's listening socket from the supervisor over the worker socket (SCM_RIGHTS).
 * The JDK cannot receive file descriptors; Netty's epoll domain-socket channel can, so this class
 * is the only part of the library that needs Netty, and it is loaded only in handoff mode.
 */
final class ListenerHandoff {
    private static final long TIMEOUT_MS = 10_000;

    private ListenerHandoff() {
    }

    /**
     * No stream or lambda here: this runs once per process, on a standby's takeover, where a
     * lambda's first linkage (a class spun at run time) costs milliseconds.
     */
    private static int[] toArray(List<Integer> received) {
        int[] out = new int[received.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = received.get(i);
        }
        return out;
    }

    /**
     * Asks for the slot's listeners bound on {@code host}; returns their file descriptors (the slot's
     * own first), owned by the caller. The supervisor sends one per message, then hangs up.
     */
    static int[] receive(Path workerSocket, String host, boolean standby) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        List<Integer> received = new ArrayList<>();
        CompletableFuture<int[]> fds = new CompletableFuture<>();
        try {
            Channel channel = new Bootstrap()
                    .group(group)
                    .channel(EpollDomainSocketChannel.class)
                    .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof FileDescriptor fd) {
                                received.add(fd.intValue());
                            } else {
                                ReferenceCountUtil.release(msg);
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            if (received.isEmpty()) {
                                fds.completeExceptionally(new IOException("the supervisor closed the connection without sending a socket (see its log)"));
                            } else {
                                fds.complete(toArray(received));
                            }
                        }
                    })
                    .connect(new DomainSocketAddress(workerSocket.toFile()))
                    .syncUninterruptibly()
                    .channel();
            channel.writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(new WorkerMessage.Listen(host, null, null, null)))).syncUninterruptibly();
            return standby ? fds.get() : fds.get(TIMEOUT_MS, TimeUnit.MILLISECONDS); // a standby waits until it takes over
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no listening socket from the supervisor within " + TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the listening socket");
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }
}
