package dev.cluster.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The encoding shared by the control socket and the worker socket: one JSON object per line, UTF-8,
 * at most {@link #MAX_LINE_BYTES}. Every message carries {@code v} first; a peer refuses a version
 * it does not speak instead of guessing.
 */
public final class Wire {
    public static final int VERSION = 1;
    /** Large enough for a describe of hundreds of workers, small enough that a bad peer cannot exhaust memory. */
    public static final int MAX_LINE_BYTES = 4 * 1024 * 1024;
    /**
     * What a worker may send in one line: its reports are a few KB (a stall's stack included), so a
     * worker cannot make the supervisor hold megabytes for it.
     */
    public static final int MAX_WORKER_LINE_BYTES = 256 * 1024;

    /** In a class of its own: a worker never loads databind ({@link WorkerCodec}). */
    private static final class Databind {
        static final ObjectMapper MAPPER = JsonMapper.builder()
                // Older peers ignore fields added by newer ones; the version number guards real breaks.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
    }

    private Wire() {
    }

    public static ObjectMapper mapper() {
        return Databind.MAPPER;
    }

    /** The message as one line of JSON, {@code v} first, newline included. */
    public static byte[] encode(Object message) {
        return message instanceof WorkerMessage m ? WorkerCodec.encode(m) : encodeWithDatabind(message);
    }

    /** What {@link #encode} does for every message but a worker's ({@link WorkerCodec}); also for the test that they agree. */
    static byte[] encodeWithDatabind(Object message) {
        ObjectMapper mapper = Databind.MAPPER;
        try {
            ObjectNode line = mapper.createObjectNode();
            line.put("v", VERSION);
            line.setAll((ObjectNode) mapper.valueToTree(message));
            byte[] json = mapper.writeValueAsBytes(line);
            byte[] bytes = new byte[json.length + 1];
            System.arraycopy(json, 0, bytes, 0, json.length);
            bytes[json.length] = '\n';
            return bytes;
        } catch (JsonProcessingException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** A value as plain JSON, no envelope: what {@code list --json} and {@code describe --json} print. */
    public static String json(Object value) {
        try {
            return Databind.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /** Writes the message as one line; blocks until it is all written. */
    public static void write(WritableByteChannel channel, Object message) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(encode(message));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /**
     * Parses one line (without its newline).
     *
     * @throws ProtocolException when the line is not JSON of that type, or has another version
     */
    public static <T> T decode(byte[] line, Class<T> type) {
        if (type == WorkerMessage.class) {
            WorkerMessage flat = WorkerCodec.decode(line);
            if (flat != null) {
                return type.cast(flat);
            }
        }
        return decodeWithDatabind(line, type);
    }

    /** What {@link #decode} does for every line but {@link WorkerCodec}'s; for the test that they agree. */
    static <T> T decodeWithDatabind(byte[] line, Class<T> type) {
        ObjectMapper mapper = Databind.MAPPER;
        JsonNode tree;
        try {
            tree = mapper.readTree(line);
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("malformed " + type.getSimpleName() + ": " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new ProtocolException("malformed " + type.getSimpleName() + ": not a JSON object");
        }
        JsonNode v = ((ObjectNode) tree).remove("v");
        if (v == null || !v.isInt() || v.intValue() != VERSION) {
            throw new ProtocolException("unsupported protocol version " + v + " (this side speaks " + VERSION + ")");
        }
        try {
            T message = mapper.treeToValue(tree, type);
            if (message == null) {
                throw new ProtocolException("empty " + type.getSimpleName());
            }
            return message;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProtocolException p) {
                throw p;
            }
            throw new ProtocolException("malformed " + type.getSimpleName() + ": " + firstLine(e.getMessage()));
        }
    }

    public static <T> T decode(String line, Class<T> type) {
        return decode(line.getBytes(StandardCharsets.UTF_8), type);
    }

    /** Jackson's location, "[Source: REDACTED (`StreamReadFeature…` disabled); line: 1, column: 22]": what a user needs of it. */
    private static final Pattern LOCATION = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)]");

    /** The first line of Jackson's message, its locations as "line L, column C". */
    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return LOCATION.matcher(nl < 0 ? text : text.substring(0, nl)).replaceAll("line $1, column $2");
    }
}
