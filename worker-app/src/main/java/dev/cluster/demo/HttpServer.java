package dev.cluster.demo;

import dev.cluster.library.ClusterWorker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 listener. Binds with SO_REUSEPORT on native epoll, or on NIO where epoll is not
 * available. {@link #drain} is the graceful stop: no new connections, in-flight requests finish,
 * the next request on each keep-alive connection is answered with {@code Connection: close}.
 */
final class HttpServer {
    /**
     * During a drain, a keep-alive connection is closed by us only once it has been idle this long;
     * a busy client sends its next request sooner and gets {@code Connection: close} instead. Closing
     * at an arbitrary moment would race with a request already on its way (the client would see a
     * reset).
     */
    private static final long IDLE_GRACE_MS = 1_000;
    private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("busy");
    private static final AttributeKey<Long> LAST_ACTIVE = AttributeKey.valueOf("lastActive");

    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final ChannelGroup connections;
    private final String transportName;
    private volatile boolean draining;

    private HttpServer(EventLoopGroup group, String transportName) {
        this.group = group;
        this.listeners = new ArrayList<>();
        this.connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        this.transportName = transportName;
    }

    /**
     * Serves {@code inherited} (listening sockets' file descriptors from the supervisor) if any,
     * else binds {@code host:port} with SO_REUSEPORT.
     */
    static HttpServer start(String host, int port, int[] inherited, Routes routes) {
        return start(host, port, inherited, routes, loops());
    }

    /**
     * One loop per processor of this worker's share (Netty's default is two per core of the whole
     * host): the handlers never block, so more loops than processors only add context switches.
     * Their threads start with their first task.
     */
    static EventLoopGroup loops() {
        return new MultiThreadIoEventLoopGroup(ClusterWorker.processors(), Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** The same on {@code group}, made beforehand (a standby makes it, and starts its threads, before it waits). */
    static HttpServer start(String host, int port, int[] inherited, Routes routes, EventLoopGroup group) {
        boolean epoll = Epoll.isAvailable();
        if (!epoll) {
            System.err.println("native epoll unavailable (" + Epoll.unavailabilityCause() + "); using NIO with SO_REUSEPORT");
            if (inherited.length > 0) {
                System.err.println("cannot adopt the supervisor's listening socket without epoll: start the app with --bind self");
                System.exit(1);
            }
        }
        // Made before any listener is registered: an inherited socket may have connections queued on
        // it (a standby taking over, a restart), accepted the moment it is, and their handlers need it.
        HttpServer server = new HttpServer(group, epoll ? "epoll" : "nio");
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Accepted counts as active: a connection whose first request has not been read
                        // yet (a busy machine) gets the same grace as one between two requests.
                        ch.attr(LAST_ACTIVE).set(System.nanoTime());
                        server.connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new SumUpload(server), new HttpObjectAggregator(64 * 1024),
                                new RequestHandler(routes, server));
                    }
                });
        try {
            for (int fd : inherited) { // already bound and listening: register, do not bind
                server.listeners.add(bootstrap.clone().channelFactory(() -> new EpollServerSocketChannel(fd)).register().syncUninterruptibly().channel());
            }
            if (inherited.length == 0) {
                if (epoll) {
                    bootstrap.channel(EpollServerSocketChannel.class).option(EpollChannelOption.SO_REUSEPORT, true);
                } else {
                    bootstrap.channel(NioServerSocketChannel.class).option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
                }
                server.listeners.add(bootstrap.bind(host, port).syncUninterruptibly().channel());
            }
            return server;
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            System.err.println("cannot listen on " + host + ":" + port + ": " + e.getMessage());
            System.exit(1);
            throw e;
        }
    }


    /** The port of its first listener. */
    int port() {
        return ((java.net.InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    String transportName() {
        return transportName;
    }

    /** Stops accepting; the loops keep running. */
    void stopListening() {
        listeners.forEach(listener -> listener.close().syncUninterruptibly());
    }

    /** Stops accepting, lets in-flight requests finish, closes idle connections, then stops the event loops. */
    void drain(Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        draining = true;
        stopListening();
        // A connection accepted just before the close may still be registering on its event loop;
        // one task through every loop lets it join 'connections' before we look.
        group.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly());
        for (Channel connection : connections) {
            connection.eventLoop().execute(() -> closeIfIdle(connection));
        }
        while (!connections.isEmpty() && System.nanoTime() < until) {
            sleep(10);
        }
        if (!connections.isEmpty()) {
            System.err.println("drain deadline reached with " + connections.size() + " connection(s) open; closing them");
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 500, TimeUnit.MILLISECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private static void closeIfIdle(Channel connection) {
        if (!connection.isActive() || Boolean.TRUE.equals(connection.attr(BUSY).get())) {
            return; // a request in flight: its response closes the connection
        }
        long lastActive = connection.attr(LAST_ACTIVE).get();
        long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActive);
        if (idleMs >= IDLE_GRACE_MS) {
            connection.close();
        } else {
            connection.eventLoop().schedule(() -> closeIfIdle(connection), IDLE_GRACE_MS - idleMs, TimeUnit.MILLISECONDS);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request began on this connection: a drain lets it finish (its answer closes the connection) instead of closing it idle. */
    static void requestBegins(Channel channel) {
        channel.attr(BUSY).set(true);
        channel.attr(LAST_ACTIVE).set(System.nanoTime());
    }

    /** Writes the reply; a draining server closes the connection after it, saying so in the headers. */
    void respond(ChannelHandlerContext ctx, HttpVersion version, boolean keepAliveRequested, Routes.Reply reply) {
        FullHttpResponse response = new DefaultFullHttpResponse(version, reply.status(),
                Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        HttpUtil.setContentLength(response, response.content().readableBytes());
        boolean keepAlive = keepAliveRequested && !draining;
        if (keepAlive) {
            if (!version.isKeepAliveDefault()) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) written -> {
            written.channel().attr(BUSY).set(false);
            written.channel().attr(LAST_ACTIVE).set(System.nanoTime());
            // Close only when the response said so: a client told "keep-alive" may already be
            // sending its next request, and closing under it would reset that request.
            if (!keepAlive) {
                written.channel().close();
            }
        });
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Routes routes;
        private final HttpServer server;

        RequestHandler(Routes routes, HttpServer server) {
            this.routes = routes;
            this.server = server;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requestBegins(ctx.channel());
            boolean keepAliveRequested = HttpUtil.isKeepAlive(request);
            HttpVersion version = request.protocolVersion();
            routes.handle(request, server.draining, ctx.executor()).whenComplete((reply, error) -> {
                Routes.Reply answer = error == null ? reply
                        : Routes.Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + error + "\n");
                if (ctx.executor().inEventLoop()) {
                    server.respond(ctx, version, keepAliveRequested, answer);
                } else {
                    ctx.executor().execute(() -> server.respond(ctx, version, keepAliveRequested, answer));
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
