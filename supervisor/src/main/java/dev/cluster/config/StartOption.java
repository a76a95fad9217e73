package dev.cluster.config;

import dev.cluster.protocol.AppSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One option of an app, as {@code cluster start} and {@code cluster run} take it and as the
 * ecosystem file does: how its value is read, its default, what it means and what it may be.
 * Declared once, in {@link StartOptions}; the CLI's options and the ecosystem reader's keys come from
 * the declarations, and tests check the JSON Schema and README's table against them.
 *
 * @param key         the ecosystem file's key, and the CLI's {@code --key} unless {@code cli} says otherwise
 * @param cli         the CLI's names ({@code -i}, {@code --instances}; {@code --no-agent} for a flag that turns it off); empty when the CLI takes it otherwise
 * @param kind        how a value is read
 * @param choices     the words a {@link Kind#CHOICE} takes, its default first
 * @param defaultText the default, as the help and README say it
 * @param description what it means
 * @param min         least value of a number, duration or size ({@code 0} stays allowed when {@code zeroAllowed})
 * @param max         greatest value
 * @param minReason   why the least value is what it is, for the refusal, or null
 * @param set         puts a read value into a spec
 * @param get         reads it from a spec, for the checks made on a whole spec
 */
public record StartOption(String key, List<String> cli, Kind kind, List<String> choices, String defaultText, String description,
                          long min, long max, boolean zeroAllowed, String minReason, BiConsumer<AppSpec.Builder, Object> set,
                          Function<AppSpec, Object> get) {

    /** How a value is written. */
    public enum Kind {
        /** A non-empty text. */
        TEXT("TEXT"),
        /** A whole number. */
        NUMBER("N"),
        /** {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is milliseconds. */
        DURATION("DURATION"),
        /** {@code 512M}, {@code 2G} (binary units); a bare number is bytes. */
        SIZE("SIZE"),
        /** On or off: a CLI flag, true or false in a file. */
        FLAG(""),
        /** Words: a list in a file, or one text split at spaces. */
        WORDS("\"ARGS\""),
        /** A number of workers, or {@code max} for one per core. */
        INSTANCES("N|max"),
        /** One of a few words. */
        CHOICE("WORD"),
        /** Read by each reader its own way (the program, its directory, its environment); declared for the help, the schema and README. */
        SPECIAL("");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The CLI's long name ({@code --kill-timeout}), or null when the CLI takes it otherwise. */
    public String longName() {
        return cli.stream().filter(n -> n.startsWith("--")).findFirst().orElse(null);
    }

    /** A flag whose CLI form turns the option off ({@code --no-agent}). */
    public boolean negatedOnCli() {
        return kind == Kind.FLAG && longName() != null && longName().startsWith("--no-");
    }

    /**
     * Reads a value as written: a CLI text (a Boolean for a flag), or a YAML/JSON value. A refusal's
     * message describes the value, for the caller to put after the option's name ({@link #refusal}).
     *
     * @throws IllegalArgumentException e.g. "must be a whole number from 1 to 65535 (got 'http')"
     */
    public Object read(Object raw, int cores) {
        Object value = switch (kind) {
            case TEXT -> text(raw);
            case NUMBER -> number(raw, "a whole number from " + min + " to " + max);
            case DURATION -> "auto".equals(raw) && "auto".equals(defaultText) ? null : duration(raw); // null: learnt (listen-timeout)
            case SIZE -> size(raw);
            case FLAG -> flag(raw);
            case WORDS -> words(raw);
            case INSTANCES -> "max".equals(raw) ? (long) cores : number(raw, "a number of workers from " + min + " to " + max + ", or max");
            case CHOICE -> choice(raw);
            case SPECIAL -> raw;
        };
        checkRange(value);
        return value;
    }

    /** A value of a spec out of this option's bounds, as the refusal names it; null when within. */
    public String outOfRange(AppSpec spec) {
        try {
            checkRange(get.apply(spec));
            return null;
        } catch (IllegalArgumentException e) {
            return refusal("--" + key, e);
        }
    }

    private void checkRange(Object value) {
        if (kind == Kind.CHOICE && value != null) {
            choice(value);
        }
        if (!(value instanceof Long n) || n == 0 && zeroAllowed) {
            return;
        }
        if (kind == Kind.NUMBER || kind == Kind.INSTANCES) {
            if (n < min || n > max) {
                throw new IllegalArgumentException("must be " + (kind == Kind.INSTANCES ? "a number of workers" : "a whole number")
                        + " from " + min + " to " + max + " (got " + n + ")");
            }
            return;
        }
        if (n < min) {
            throw new IllegalArgumentException("must be " + (zeroAllowed ? "0 or " : "") + "at least " + amount(min)
                    + (minReason == null ? "" : ", " + minReason) + " (got " + amount(n) + ")");
        }
        if (n > max) {
            throw new IllegalArgumentException("must be at most " + amount(max) + " (got " + amount(n) + ")");
        }
    }

    private String amount(long n) {
        return kind == Kind.DURATION ? Durations.format(n) : kind == Kind.SIZE ? Sizes.format(n) : Long.toString(n);
    }

    private static String text(Object raw) {
        if (raw instanceof String s && !s.isBlank()) {
            return s;
        }
        throw new IllegalArgumentException("must be a non-empty text");
    }

    private long number(Object raw, String what) {
        Long n = raw instanceof Number num && num.doubleValue() == num.longValue() ? Long.valueOf(num.longValue())
                : raw instanceof String s && s.matches("-?\\d{1,18}") ? Long.valueOf(s) : null;
        if (n == null || n < min || n > max) {
            throw new IllegalArgumentException("must be " + what + " (got " + shown(raw) + ")");
        }
        return n;
    }

    private static long duration(Object raw) {
        if (!(raw instanceof String || raw instanceof Number)) {
            throw new IllegalArgumentException(shown(raw) + " is not a duration: use e.g. 500ms, 5s, 2m or 1h");
        }
        return Durations.parseMillis(String.valueOf(raw));
    }

    private static long size(Object raw) {
        if (!(raw instanceof String || raw instanceof Number)) {
            throw new IllegalArgumentException(shown(raw) + " is not a size: use e.g. 512M or 2G");
        }
        return Sizes.parseBytes(String.valueOf(raw));
    }

    private static boolean flag(Object raw) {
        if (raw instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("must be true or false (got " + shown(raw) + ")");
    }

    private static List<String> words(Object raw) {
        if (raw instanceof String s) {
            return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
        }
        if (raw instanceof List<?> list && list.stream().allMatch(w -> w instanceof String || w instanceof Number)) {
            List<String> words = new ArrayList<>();
            list.forEach(w -> words.add(String.valueOf(w)));
            return words;
        }
        throw new IllegalArgumentException("must be a text or a list of texts (got " + shown(raw) + ")");
    }

    private String choice(Object raw) {
        if (raw instanceof String s && choices.contains(s)) {
            return s;
        }
        if (raw instanceof Boolean b && choices.equals(List.of("on", "off"))) {
            return b ? "on" : "off"; // YAML reads a bare on/off as true/false
        }
        throw new IllegalArgumentException("takes " + String.join(" or ", choices.stream().map(c -> "'" + c + "'").toList()) + " (got " + shown(raw) + ")");
    }

    static String shown(Object v) {
        return v instanceof Map ? "a map" : v instanceof List ? "a list" : v == null ? "nothing" : v instanceof String ? "'" + v + "'" : String.valueOf(v);
    }

    /** The refusal as the user reads it: {@code --port must be…} on the CLI, {@code 'port' must be…} in a file. */
    public static String refusal(String name, IllegalArgumentException e) {
        String message = e.getMessage();
        return name + (message.startsWith("must ") || message.startsWith("takes ") ? " " : ": ") + message;
    }
}
