package dev.cluster.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cluster.protocol.LogSpec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LineFormatTest {
    private static final Instant AT = Instant.parse("2026-11-26T21:30:00.123Z");

    private static String format(LineFormat format, String line) {
        byte[] bytes = ("xx" + line).getBytes(StandardCharsets.UTF_8);
        format.format(bytes, 2, bytes.length - 2, format.stamp(AT));
        return new String(format.bytes(), 0, format.length(), StandardCharsets.UTF_8);
    }

    @Test
    void textIsWrittenAsIsWithANewline() {
        LineFormat text = new LineFormat(LogSpec.DEFAULTS, "web", 0, false);
        assertNull(text.stamp(AT));
        assertEquals("héllo \u001b[31mred\n", format(text, "héllo \u001b[31mred"));
    }

    @Test
    void aDateFormatStartsEachLineWithTheTimeAsPm2Does() {
        LineFormat dated = new LineFormat(new LogSpec(0, false, 1, false, "'T'HH:mm:ss.SSS", false, null), "web", 0, false);
        String formatted = format(dated, "ready");
        assertEquals(true, formatted.matches("T\\d\\d:\\d\\d:00\\.123: ready\n"), formatted);
    }

    @Test
    void jsonLinesCarryAppIdStreamAndTheMessageEscaped() throws Exception {
        LineFormat json = new LineFormat(new LogSpec(0, false, 1, false, null, true, LogSpec.JSON), "api", 3, true);
        String line = "a \"quote\", a \\ backslash,\ta tab, \u0007 a bell, ünïcode";
        String formatted = format(json, line);
        assertEquals('\n', formatted.charAt(formatted.length() - 1));
        assertEquals(1, formatted.lines().count());
        JsonNode node = new ObjectMapper().readTree(formatted);
        assertEquals("2026-11-26T21:30:00.123Z", node.get("time").asText());
        assertEquals("api", node.get("app").asText());
        assertEquals(3, node.get("id").asInt());
        assertEquals("err", node.get("stream").asText());
        assertEquals(line, node.get("message").asText());
    }

    @Test
    void theSupervisorsOwnLineIsShapedAsTheWorkersLinesAre() throws Exception {
        String gap = "[cluster] 3 KB of output dropped";
        assertEquals(gap + "\n", new String(LineFormat.supervisorLine(LogSpec.DEFAULTS, "api", gap, AT), StandardCharsets.UTF_8));
        String dated = new String(LineFormat.supervisorLine(new LogSpec(0, false, 1, false, "'T'HH:mm:ss.SSS", false, null), "api", gap, AT), StandardCharsets.UTF_8);
        assertEquals(true, dated.matches("T\\d\\d:\\d\\d:00\\.123: \\[cluster] 3 KB of output dropped\n"), dated);
        String json = new String(LineFormat.supervisorLine(new LogSpec(0, false, 1, false, null, true, LogSpec.JSON), "api", gap, AT), StandardCharsets.UTF_8);
        JsonNode node = new ObjectMapper().readTree(json);
        assertEquals("2026-11-26T21:30:00.123Z", node.get("time").asText());
        assertEquals("api", node.get("app").asText());
        assertEquals("cluster", node.get("stream").asText());
        assertEquals(gap, node.get("message").asText());
        assertNull(node.get("id"));
    }
}
