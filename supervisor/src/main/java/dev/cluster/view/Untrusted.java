package dev.cluster.view;

/**
 * Text that a worker sent (loop names, stacks, its output lines) made safe to log and to print: a
 * worker must not be able to forge a line of the daemon's log with a newline, nor clear, move or
 * retitle the user's terminal with escape sequences, nor hide text with bidirectional overrides.
 */
public final class Untrusted {
    private Untrusted() {
    }

    /** Every control character as a visible escape ({@code \n}, {@code \x1b}, {@code \u202e}), cut at {@code max} characters. */
    public static String escape(String text, int max) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 16);
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            append(out, text.charAt(i));
        }
        if (out.length() >= max && text.length() > max) {
            out.setLength(max);
            out.append('…');
        }
        return out.toString();
    }

    /**
     * A worker's own output line for a terminal: its colours (SGR sequences, {@code ESC [ … m}) kept,
     * as {@code tail} would show them, every other control character escaped.
     */
    public static String keepingColours(String line) {
        StringBuilder out = new StringBuilder(line.length() + 16);
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            int end = c == '\u001b' ? sgrEnd(line, i) : -1;
            if (end > 0) {
                out.append(line, i, end);
                i = end - 1;
            } else {
                append(out, c);
            }
        }
        return out.toString();
    }

    /** The index after an SGR sequence starting at {@code start}, or -1 if none starts there. */
    private static int sgrEnd(String s, int start) {
        if (start + 1 >= s.length() || s.charAt(start + 1) != '[') {
            return -1;
        }
        for (int i = start + 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 'm') {
                return i + 1;
            }
            if (!(c >= '0' && c <= '9' || c == ';')) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * A character a terminal acts on instead of showing: a C0 or C1 control (ESC, CSI, newline…), a
     * line or paragraph separator, or a bidirectional embedding, override or isolate.
     */
    public static boolean actsOnATerminal(char c) {
        return c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f
                || c == '\u2028' || c == '\u2029' || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069';
    }

    private static void append(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append('\t');
            default -> {
                if (!actsOnATerminal(c)) {
                    out.append(c);
                } else if (c < 0xa0) {
                    out.append(String.format("\\x%02x", (int) c));
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
    }
}
