package dev.cluster.it;

/**
 * An app whose output is hostile to a terminal: it clears the screen, homes the cursor, leaves the
 * alternate screen, sets the window title, switches to the line-drawing charset and rings the bell,
 * a few times a second. What monit's log pane must show as plain text.
 */
public final class EscapePrinter {
    public static void main(String[] args) throws InterruptedException {
        for (int n = 0; ; n++) {
            System.out.println("before \u001b[2J\u001b[H\u001b[?1049l\u001b[31mRED\u001b[0m\u001b]2;pwned\u0007 \u001b(0lqk\u001b(B\u0007 after " + n);
            System.out.flush();
            Thread.sleep(300);
        }
    }
}
