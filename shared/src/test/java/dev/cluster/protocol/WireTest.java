package dev.cluster.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireTest {
    @Test
    void aRequestSurvivesTheRoundTripAsOneLine() {
        AppSpec spec = new AppSpec("api", "/srv/api.jar", null, List.of("-Xmx256m"), List.of("--x"), "/srv", 2, 8080,
                Map.of("K", "V"), 15_000, 5_000, 100, 16, 1_000, null, true, 10, 100, null, null, null);
        byte[] line = Wire.encode(Request.start(spec));
        assertEquals('\n', line[line.length - 1]);
        assertEquals(1, new String(line, StandardCharsets.UTF_8).split("\n").length);
        Request back = Wire.decode(new String(line, StandardCharsets.UTF_8).trim(), Request.class);
        assertEquals(Request.start(spec), back);
    }

    @Test
    void unknownFieldsFromANewerPeerAreIgnored() {
        WorkerMessage m = Wire.decode("{\"v\":1,\"type\":\"ready\",\"future\":42}", WorkerMessage.class);
        assertEquals(WorkerMessage.READY, m.type());
    }

    @Test
    void garbageAndOtherVersionsAreProtocolErrors() {
        assertThrows(ProtocolException.class, () -> Wire.decode("not json", Request.class));
        assertThrows(ProtocolException.class, () -> Wire.decode("null", Request.class));
        ProtocolException e = assertThrows(ProtocolException.class, () -> Wire.decode("{\"v\":2,\"command\":\"list\"}", Request.class));
        assertTrue(e.getMessage().contains("version 2"));
    }

    @Test
    void listJsonCarriesTheDocumentedFieldsAndOmitsAbsentOnes() {
        String json = new String(Wire.encode(List.of(new WorkerInfo("api", 0, 42L, "online", 1, 1234, 8080,
                12.5, 50_000_000L, 20_000_000L, new LagSummary(0.1, 0.2, 0.5, 3.25, 1000), false,
                null, null, null, null, null, null, null))), StandardCharsets.UTF_8);
        for (String field : new String[] {"\"app\":\"api\"", "\"id\":0", "\"pid\":42", "\"state\":\"online\"", "\"restarts\":1", "\"uptimeMs\":1234",
                "\"cpu\":12.5", "\"rssBytes\":50000000", "\"heapUsedBytes\":20000000", "\"p50Ms\":0.1", "\"p99Ms\":0.5", "\"maxMs\":3.25"}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        assertTrue(!json.contains("lastExit"), json);
        assertTrue(json.contains("\"lag\":{"), json);
    }
}
