package dev.cluster.demo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

/**
 * {@code POST /sum}: the sum of a JSON array of numbers of any length, parsed as its bytes arrive. Each chunk
 * the connection reads is fed to Jackson's non-blocking parser and its numbers added at once, so the event
 * loop spends microseconds per chunk, and the worker holds one chunk of the body, never the whole of it.
 * {@code ?buffered=1} is the usual way, and bad on purpose: the whole body is kept (up to {@link #MAX_BUFFERED}),
 * then parsed in one go on the loop, which holds every other connection of that loop for the parse, and
 * costs memory in proportion to the body.
 * <p>
 * Sits in the pipeline before the aggregator, which bounds every other request's body to 64 KB: an upload
 * to {@code /sum} never reaches it. Anything else passes through untouched.
 */
final class SumUpload extends ChannelInboundHandlerAdapter {
    static final int MAX_BUFFERED = 16 * 1024 * 1024;
    private final HttpServer server;
    /** Non-null from a /sum request's head to its last content. */
    private Upload upload;

    SumUpload(HttpServer server) {
        this.server = server;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (upload == null) {
            HttpRequest request = msg instanceof HttpRequest r && r.method().equals(HttpMethod.POST) ? r : null;
            QueryStringDecoder query = request == null ? null : new QueryStringDecoder(request.uri());
            if (query == null || !query.path().equals("/sum")) {
                ctx.fireChannelRead(msg);
                return;
            }
            boolean buffered = "1".equals(Routes.param(query, "buffered", "0"));
            upload = new Upload(request.protocolVersion(), HttpUtil.isKeepAlive(request), buffered ? ctx.alloc().compositeBuffer(Integer.MAX_VALUE) : null);
            HttpServer.requestBegins(ctx.channel());
            if (HttpUtil.is100ContinueExpected(request)) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.CONTINUE));
            }
        }
        try {
            if (msg instanceof HttpContent content) {
                read(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (upload != null) {
            upload.release();
            upload = null;
        }
        super.channelInactive(ctx);
    }

    private void read(ChannelHandlerContext ctx, HttpContent content) {
        Upload u = upload;
        boolean last = content instanceof LastHttpContent;
        if (u.failure == null) {
            try {
                u.failure = u.buffer == null ? u.stream(content.content()) : u.keep(content.content());
                if (u.failure == null && last) {
                    u.failure = u.buffer == null ? u.endOfStream() : u.parseKept();
                }
            } catch (IOException e) {
                u.failure = Routes.Reply.text(HttpResponseStatus.BAD_REQUEST, "not a JSON array of numbers: " + reason(e) + "\n");
            }
            if (u.failure != null) {
                u.release(); // what was kept is of no more use
            }
        }
        // A refused body is still read to its end, and dropped: a connection closed with some of it unread is reset,
        // and the reset can destroy the answer before the client reads it.
        if (last) {
            upload = null;
            u.release();
            server.respond(ctx, u.version, u.keepAlive, u.failure != null ? u.failure
                    : Routes.Reply.json(HttpResponseStatus.OK, "{\"count\":" + u.count + ",\"sum\":" + number(u.sum) + "}\n"));
        }
    }

    /** One request's body on its way through: the parser fed as it arrives, or what was kept of it. */
    private static final class Upload {
        /**
         * Only numbers are summed: a string (which the parser would hold whole, up to 20 MB by default) is refused at 64
         * characters. Here, not in the handler: Jackson's classes load with the first upload, not with every worker's first
         * connection, which a standby's takeover and every start wait for.
         */
        private static final JsonFactory JSON = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(64).build()).build();
        final HttpVersion version;
        final boolean keepAlive;
        final CompositeByteBuf buffer;
        final JsonParser parser;
        private byte[] chunk = new byte[0];
        long count;
        double sum;
        boolean opened;
        boolean closed;
        /** Why the body is refused, once it is: the rest of it is dropped as it comes. */
        Routes.Reply failure;

        Upload(HttpVersion version, boolean keepAlive, CompositeByteBuf buffer) throws IOException {
            this.version = version;
            this.keepAlive = keepAlive;
            this.buffer = buffer;
            this.parser = buffer == null ? JSON.createNonBlockingByteArrayParser() : null;
        }

        Routes.Reply stream(ByteBuf bytes) throws IOException {
            int length = bytes.readableBytes();
            if (length == 0) {
                return null;
            }
            if (chunk.length < length) {
                chunk = new byte[length];
            }
            bytes.getBytes(bytes.readerIndex(), chunk, 0, length);
            ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(chunk, 0, length);
            add(parser);
            return null;
        }

        Routes.Reply endOfStream() throws IOException {
            ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).endOfInput();
            add(parser);
            return complete();
        }

        Routes.Reply keep(ByteBuf bytes) {
            if (buffer.readableBytes() + bytes.readableBytes() > MAX_BUFFERED) {
                return Routes.Reply.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "a buffered body is at most " + MAX_BUFFERED
                        + " bytes; the streamed /sum takes any length\n");
            }
            buffer.addComponent(true, bytes.retain());
            return null;
        }

        Routes.Reply parseKept() throws IOException {
            byte[] all = new byte[buffer.readableBytes()];
            buffer.getBytes(buffer.readerIndex(), all);
            try (JsonParser whole = JSON.createParser(all)) {
                add(whole);
            }
            return complete();
        }

        /** Adds every number the parser has whole; stops where it needs more input (a non-blocking parser) or at the end. */
        private void add(JsonParser p) throws IOException {
            for (JsonToken token = p.nextToken(); token != null && token != JsonToken.NOT_AVAILABLE; token = p.nextToken()) {
                if (closed) {
                    throw new IOException("more after the array's end");
                } else if (!opened) {
                    if (token != JsonToken.START_ARRAY) {
                        throw new IOException("it does not start with '['");
                    }
                    opened = true;
                } else if (token == JsonToken.END_ARRAY) {
                    closed = true;
                } else if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                    sum += p.getDoubleValue();
                    count++;
                } else {
                    throw new IOException("an element is not a number: " + token.asString());
                }
            }
        }

        private Routes.Reply complete() {
            if (!closed) {
                return Routes.Reply.text(HttpResponseStatus.BAD_REQUEST, "not a JSON array of numbers: it ends before its ']'\n");
            }
            return Double.isFinite(sum) ? null : Routes.Reply.text(HttpResponseStatus.BAD_REQUEST, "the sum is beyond a double's range\n");
        }

        /** Frees what was kept; again is harmless. */
        void release() {
            if (buffer != null && buffer.refCnt() > 0) {
                buffer.release();
            }
        }
    }

    /** 5050 for a whole sum, else Java's shortest form of the double. */
    static String number(double sum) {
        return sum == Math.rint(sum) && Math.abs(sum) < 1e15 ? Long.toString((long) sum) : Double.toString(sum);
    }

    /** Jackson's words without where it was (which only says the source is not shown), or ours. */
    private static String reason(IOException e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        String line = message == null ? "" : message.lines().findFirst().orElse("");
        int marker = line.indexOf(" (start marker");
        line = marker < 0 ? line : line.substring(0, marker);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
