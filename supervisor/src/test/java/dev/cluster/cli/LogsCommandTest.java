package dev.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cluster.logs.LogFiles.LogFile;
import dev.cluster.view.Untrusted;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cluster logs --json}: one valid object per line, and nothing a terminal would act on. */
class LogsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LogFile OUT = new LogFile("web", 1, false, Path.of("web-1-out.log"));
    private static final LogFile MERGED_ERR = new LogFile("web", -1, true, Path.of("web-all-err.log"));

    private static void assertInert(String json) {
        assertTrue(json.chars().noneMatch(c -> Untrusted.actsOnATerminal((char) c) || Character.getType(c) == Character.FORMAT), json);
    }

    @Test
    void aTextLineBecomesAnObjectThatGivesBackTheLineAsWritten() throws Exception {
        String line = "say \"hi\" \\ \u001b[2J\u202eevil\ttab \u009b2J \u2028next";
        String json = LogsCommand.jsonLine(OUT, line);
        assertInert(json);
        JsonNode node = JSON.readTree(json);
        assertEquals("web", node.get("app").asText());
        assertEquals(1, node.get("id").asInt());
        assertEquals("out", node.get("stream").asText());
        assertEquals(line, node.get("message").asText());

        JsonNode merged = JSON.readTree(LogsCommand.jsonLine(MERGED_ERR, "boom"));
        assertTrue(merged.get("id").isNull(), merged.toString());
        assertEquals("err", merged.get("stream").asText());
    }

    @Test
    void aLineOfAJsonLogTypeAppGoesAsWrittenWithOnlyWhatATerminalWouldActOnEscaped() throws Exception {
        String written = "{\"time\":\"2026-12-03T14:00:00.000Z\",\"app\":\"web\",\"id\":1,\"stream\":\"out\",\"message\":\"a \\\"b\\\"\"}";
        assertEquals(written, LogsCommand.jsonLine(OUT, written));

        String withOverride = written.replace("a ", "a \u202e");
        String shown = LogsCommand.jsonLine(OUT, withOverride);
        assertInert(shown);
        assertEquals("a \u202e\"b\"", JSON.readTree(shown).get("message").asText());

        // Another app's shape in this app's file is only text that looks like it.
        String other = written.replace("\"app\":\"web\"", "\"app\":\"api\"");
        assertEquals(other, JSON.readTree(LogsCommand.jsonLine(OUT, other)).get("message").asText());
    }
}
