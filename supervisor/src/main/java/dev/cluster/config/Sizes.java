package dev.cluster.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes such as {@code 512M}, {@code 2G}, {@code 300K} (binary units, as PM2 and the JVM read them); a bare number is bytes. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*([KMGT]?)(I?B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** @throws IllegalArgumentException naming the value and the accepted forms */
    public static long parseBytes(String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a size: use e.g. 512M, 2G or 300K");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + value + "' is too large a size");
        }
        return n << shift;
    }

    /** The size in the largest binary unit that divides it: {@code 32M}, {@code 4K}, {@code 1000} (bytes). */
    public static String format(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes != 0 && bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
