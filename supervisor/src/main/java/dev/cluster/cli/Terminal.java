package dev.cluster.cli;

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
final class Terminal {
    static final String RESET = "\u001b[0m";
    static final String RED = "\u001b[31m";
    static final String GREEN = "\u001b[32m";
    static final String YELLOW = "\u001b[33m";
    static final String DIM = "\u001b[2m";
    static final String[] PALETTE = {"\u001b[36m", "\u001b[35m", "\u001b[34m", "\u001b[32m", "\u001b[33m", "\u001b[96m"};

    private Terminal() {
    }

    static boolean colour() {
        String noColor = System.getenv("NO_COLOR");
        return System.console() != null && (noColor == null || noColor.isEmpty());
    }

    static String paint(boolean colour, String code, String text) {
        return colour ? code + text + RESET : text;
    }
}
