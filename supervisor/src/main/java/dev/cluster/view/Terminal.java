package dev.cluster.view;

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
public final class Terminal {
    public static final String RESET = "\u001b[0m";
    public static final String RED = "\u001b[31m";
    public static final String GREEN = "\u001b[32m";
    public static final String YELLOW = "\u001b[33m";
    public static final String DIM = "\u001b[2m";
    public static final String[] PALETTE = {"\u001b[36m", "\u001b[35m", "\u001b[34m", "\u001b[32m", "\u001b[33m", "\u001b[96m"};

    private Terminal() {
    }

    public static boolean colour() {
        String noColor = System.getenv("NO_COLOR");
        return System.console() != null && (noColor == null || noColor.isEmpty());
    }

    /**
     * The terminal's width in columns, or 0 (no limit) when stdout is not a terminal or the width is
     * not known: {@code -Dcluster.columns}, which {@code bin/cluster} sets from the terminal (the JDK
     * has no way to ask it), else {@code COLUMNS}, as {@code ps} reads it.
     */
    public static int columns() {
        if (System.console() == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(System.getProperty("cluster.columns", System.getenv("COLUMNS"))));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static String paint(boolean colour, String code, String text) {
        return colour ? code + text + RESET : text;
    }
}
