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

    public static String paint(boolean colour, String code, String text) {
        return colour ? code + text + RESET : text;
    }
}
