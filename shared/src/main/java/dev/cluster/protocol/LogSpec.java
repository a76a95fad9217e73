package dev.cluster.protocol;

/**
 * How the supervisor writes an app's output, which it reads from the workers' pipes.
 * {@code maxBytes}: a file is rotated before a line would take it past this size (0: never by size).
 * {@code daily}: also rotated at local midnight. {@code keep}: rotated files kept per log file.
 * {@code compress}: rotated files are gzipped. {@code dateFormat} (or null): a
 * {@link java.time.format.DateTimeFormatter} pattern; each line starts with the time it was read.
 * {@code merge}: all workers of the app share one out and one err file. {@code type}: {@link #TEXT},
 * the lines as written, or {@link #JSON}, one JSON object per line.
 */
public record LogSpec(long maxBytes, boolean daily, int keep, boolean compress, String dateFormat, boolean merge, String type) {
    public static final long DEFAULT_MAX_BYTES = 10L << 20;
    public static final int DEFAULT_KEEP = 10;
    public static final int MAX_KEEP = 10_000;
    public static final String TEXT = "text";
    public static final String JSON = "json";
    public static final LogSpec DEFAULTS = new LogSpec(DEFAULT_MAX_BYTES, false, DEFAULT_KEEP, false, null, false, TEXT);

    public LogSpec {
        type = type == null ? TEXT : type;
    }

    public boolean json() {
        return JSON.equals(type);
    }

    public LogSpec withMaxBytes(long v) {
        return new LogSpec(v, daily, keep, compress, dateFormat, merge, type);
    }

    public LogSpec withDaily(boolean v) {
        return new LogSpec(maxBytes, v, keep, compress, dateFormat, merge, type);
    }

    public LogSpec withKeep(int v) {
        return new LogSpec(maxBytes, daily, v, compress, dateFormat, merge, type);
    }

    public LogSpec withCompress(boolean v) {
        return new LogSpec(maxBytes, daily, keep, v, dateFormat, merge, type);
    }

    public LogSpec withDateFormat(String v) {
        return new LogSpec(maxBytes, daily, keep, compress, v, merge, type);
    }

    public LogSpec withMerge(boolean v) {
        return new LogSpec(maxBytes, daily, keep, compress, dateFormat, v, type);
    }

    public LogSpec withType(String v) {
        return new LogSpec(maxBytes, daily, keep, compress, dateFormat, merge, v);
    }
}
