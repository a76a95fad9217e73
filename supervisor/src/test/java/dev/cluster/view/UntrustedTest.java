package dev.cluster.view;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class UntrustedTest {
    @Test
    void aNewlineCannotForgeALogLine() {
        String forged = "loop-1 blocked 5 ms\n2026-12-01T00:00:00Z INFO Supervisor - app web deleted";
        String escaped = Untrusted.escape(forged, 1_000);
        assertFalse(escaped.contains("\n"));
        assertEquals("loop-1 blocked 5 ms\\n2026-12-01T00:00:00Z INFO Supervisor - app web deleted", escaped);
    }

    @Test
    void escapeSequencesAndBidiOverridesAreShownNotObeyed() {
        assertEquals("\\x1b[2J\\x1b]0;pwned\\x07\\u202eevil", Untrusted.escape("\u001b[2J\u001b]0;pwned\u0007\u202eevil", 1_000));
        assertEquals("a\\x9bb\\x7f", Untrusted.escape("a\u009bb\u007f", 1_000));
    }

    @Test
    void longTextIsCut() {
        assertEquals("abc…", Untrusted.escape("abcdef", 3));
        assertEquals("abc", Untrusted.escape("abc", 3));
    }

    @Test
    void aLineForTheTerminalKeepsItsColoursOnly() {
        assertEquals("\u001b[32mok\u001b[0m \\x1b[2J \\x1b[H", Untrusted.keepingColours("\u001b[32mok\u001b[0m \u001b[2J \u001b[H"));
        assertEquals("tab\tstays", Untrusted.keepingColours("tab\tstays"));
    }
}
