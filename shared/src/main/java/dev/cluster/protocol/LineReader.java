package dev.cluster.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Lines from a blocking channel, each at most {@link Wire#MAX_LINE_BYTES}: how the CLI, monit, the
 * quick {@code list} and the worker library read their side of the Unix sockets (the daemon's side
 * is Netty's line decoder, with the same bound). A peer that sends a longer line is refused before
 * it can fill the reader's memory.
 */
public final class LineReader {
    private final ReadableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    public LineReader(ReadableByteChannel channel) {
        this.channel = channel;
        buffer.flip();
    }

    /**
     * The next line without its newline, or null at the end of the stream (a last line without a
     * newline is dropped: it was cut).
     *
     * @throws ProtocolException when a line is longer than the bound
     */
    public byte[] readLine() throws IOException {
        while (true) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    byte[] complete = line.toByteArray();
                    line.reset();
                    return complete;
                }
                if (line.size() == Wire.MAX_LINE_BYTES) {
                    throw new ProtocolException("a line longer than " + Wire.MAX_LINE_BYTES / (1024 * 1024) + " MB");
                }
                line.write(b);
            }
            buffer.clear();
            int n = channel.read(buffer);
            buffer.flip();
            if (n < 0) {
                return null;
            }
        }
    }

    /** The next message of that type, or null at the end of the stream. */
    public <T> T read(Class<T> type) throws IOException {
        byte[] bytes = readLine();
        return bytes == null ? null : Wire.decode(bytes, type);
    }
}
