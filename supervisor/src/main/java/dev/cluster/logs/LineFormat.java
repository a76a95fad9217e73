package dev.cluster.logs;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.cluster.protocol.LogSpec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * What one line a worker wrote becomes in its log file: the bytes as written; after the time it
 * was read ({@code --log-date-format}, PM2's "time: line"); or with {@code --log-type json} one
 * object per line, {@code {"time":…,"app":…,"id":…,"stream":"out"|"err","message":…}}.
 */
final class LineFormat {
    private static final byte[] TIME_SEPARATOR = ": ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_START = "{\"time\":\"".getBytes(StandardCharsets.US_ASCII);

    private final boolean json;
    private final DateTimeFormatter time;
    /** {@code ","app":"web","id":0,"stream":"out","message":"}: what every JSON line of this stream repeats. */
    private final byte[] jsonMiddle;
    private byte[] out = new byte[1024];
    private int length;

    /** Loaded by the first JSON app only: java.time's formatting costs an idle daemon memory for nothing. */
    private static final class JsonTime {
        static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    }

    LineFormat(LogSpec spec, String app, int id, boolean err) {
        this(spec, "\",\"app\":\"" + app + "\",\"id\":" + id + ",\"stream\":\"" + (err ? "err" : "out") + "\",\"message\":\"");
    }

    private LineFormat(LogSpec spec, String jsonMiddle) {
        this.json = spec.json();
        DateTimeFormatter pattern = spec.dateFormat() == null ? null : DateTimeFormatter.ofPattern(spec.dateFormat()).withZone(ZoneId.systemDefault());
        this.time = json && pattern == null ? JsonTime.FORMAT : pattern;
        this.jsonMiddle = jsonMiddle.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A line of the supervisor's own in an app's log file, shaped and stamped as the workers' lines
     * are, so that a log shipper parses it too: in JSON, {@code "stream":"cluster"} and no id (a
     * merged file is no one worker's).
     */
    static byte[] supervisorLine(LogSpec spec, String app, String text, Instant now) {
        LineFormat format = new LineFormat(spec, "\",\"app\":\"" + app + "\",\"stream\":\"cluster\",\"message\":\"");
        byte[] line = text.getBytes(StandardCharsets.UTF_8);
        format.format(line, 0, line.length, format.stamp(now));
        return Arrays.copyOf(format.bytes(), format.length());
    }

    /** The time every line of one read is stamped with (they arrived together), or null. */
    byte[] stamp(Instant now) {
        if (time == null) {
            return null;
        }
        String t = time.format(now);
        return json ? JsonStringEncoder.getInstance().quoteAsUTF8(t) : t.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Formats {@code line[offset, offset + lineLength)} (no newline) into a buffer this object
     * reuses; the result, newline included, is {@link #bytes()}[0, {@link #length()}).
     */
    void format(byte[] line, int offset, int lineLength, byte[] stamp) {
        length = 0;
        if (json) {
            put(JSON_START);
            put(stamp);
            put(jsonMiddle);
            put(JsonStringEncoder.getInstance().quoteAsUTF8(new String(line, offset, lineLength, StandardCharsets.UTF_8)));
            put('"');
            put('}');
        } else {
            if (stamp != null) {
                put(stamp);
                put(TIME_SEPARATOR);
            }
            put(line, offset, lineLength);
        }
        put('\n');
    }

    byte[] bytes() {
        return out;
    }

    int length() {
        return length;
    }

    private void put(byte[] bytes) {
        put(bytes, 0, bytes.length);
    }

    private void put(byte[] bytes, int offset, int n) {
        ensure(n);
        System.arraycopy(bytes, offset, out, length, n);
        length += n;
    }

    private void put(char c) {
        ensure(1);
        out[length++] = (byte) c;
    }

    private void ensure(int n) {
        if (length + n > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, length + n));
        }
    }
}
