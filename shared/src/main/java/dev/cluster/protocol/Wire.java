package dev.cluster.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;

/**
 * The encoding shared by the control socket and the worker socket: one JSON object per line, UTF-8,
 * at most {@link #MAX_LINE_BYTES}. Every message carries {@code v}; a peer refuses a version it does
 * not speak instead of guessing.
 */
public final class Wire {
    public static final int VERSION = 1;
    /** Large enough for a describe of hundreds of workers, small enough that a bad peer cannot exhaust memory. */
    public static final int MAX_LINE_BYTES = 4 * 1024 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            // Older peers ignore fields added by newer ones; the version number guards real breaks.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private Wire() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The message as one line of JSON, newline included. */
    public static byte[] encode(Object message) {
        try {
            byte[] json = MAPPER.writeValueAsBytes(message);
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /**
     * Parses one line (without its newline).
     *
     * @throws ProtocolException when the line is not JSON of that type, or has another version
     */
    public static <T extends Versioned> T decode(byte[] line, Class<T> type) {
        T message;
        try {
            message = MAPPER.readValue(line, type);
        } catch (java.io.IOException | RuntimeException e) {
            throw new ProtocolException("malformed " + type.getSimpleName() + ": " + firstLine(e.getMessage()));
        }
        if (message == null) {
            throw new ProtocolException("empty " + type.getSimpleName());
        }
        if (message.v() != VERSION) {
            throw new ProtocolException("unsupported protocol version " + message.v() + " (this side speaks " + VERSION + ")");
        }
        return message;
    }

    public static <T extends Versioned> T decode(String line, Class<T> type) {
        return decode(line.getBytes(StandardCharsets.UTF_8), type);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
