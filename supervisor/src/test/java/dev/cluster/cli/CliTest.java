package dev.cluster.cli;

import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CliTest {
    private static String wire(Response response) {
        return new String(Wire.encode(response), StandardCharsets.UTF_8).stripTrailing();
    }

    @Test
    void theQuickPathReadsBackAnyTextTheDaemonSends() {
        String text = "APP  ID\n\"quoted\" back\\slash /slash\ttab\r\u0001\u001b[31mred\u001b[0m é 日本 😀\n";
        assertEquals(text, Cli.textOf(wire(Response.ok(text))));
        assertEquals("", Cli.textOf(wire(Response.ok(""))));
    }

    @Test
    void anyOtherAnswerSendsTheCommandTheLongWay() {
        assertNull(Cli.textOf(wire(Response.error("the supervisor is shutting down"))));
        assertNull(Cli.textOf(wire(Response.ok("text").withLag(new dev.cluster.protocol.LagSummary(1, 2, 3, 4, 5)))));
        assertNull(Cli.textOf("{\"v\":1,\"ok\":true,\"message\":\"cut sho"));
        assertNull(Cli.textOf("not json"));
    }
}
