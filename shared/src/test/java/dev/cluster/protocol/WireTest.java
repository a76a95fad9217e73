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
        AppSpec spec = AppSpec.builder().name("api").jar("/srv/api.jar").jvmArgs(List.of("-Xmx256m")).args(List.of("--x")).cwd("/srv")
                .instances(2).env(Map.of("K", "V")).build();
        byte[] line = Wire.encode(new Request.Start(spec));
        assertEquals('\n', line[line.length - 1]);
        String text = new String(line, StandardCharsets.UTF_8);
        assertEquals(1, text.split("\n").length);
        assertTrue(text.startsWith("{\"v\":1,\"command\":\"start\","), "the version first, then the command: " + text);
        Request back = Wire.decode(text.trim(), Request.class);
        assertEquals(new Request.Start(spec), back);
    }

    @Test
    void eachCommandAndWorkerMessageIsItsOwnRecord() {
        assertEquals(new Request.Stop("web:1"), Wire.decode("{\"v\":1,\"command\":\"stop\",\"target\":\"web:1\"}", Request.class));
        assertEquals(new Request.ListWorkers("table", true, null), Wire.decode("{\"v\":1,\"command\":\"list\",\"output\":\"table\",\"colour\":true}", Request.class));
        assertEquals(new WorkerMessage.Listen("::", true, true, 8080), Wire.decode(new String(Wire.encode(new WorkerMessage.Listen("::", true, true, 8080)),
                StandardCharsets.UTF_8).trim(), WorkerMessage.class));
        assertEquals("{\"v\":1,\"type\":\"shutdown\"}\n", new String(Wire.encode(new WorkerMessage.Shutdown()), StandardCharsets.UTF_8));
    }

    @Test
    void whatAWorkerSendsAndReceivesIsTheBytesDatabindWritesAndReadsBackTheSame() {
        String tricky = "q\"uo\\te \u00e9\u2603 \n\t\u0001";
        LagSummary lag = new LagSummary(0.125, 1.5, 12.75, 40.0, 1234);
        List<WorkerMessage> flat = List.of(
                new WorkerMessage.Hello("api", 3, 4_000_000_000L, true),
                new WorkerMessage.Hello(tricky, null, null, null),
                new WorkerMessage.Hello(null, -1, 7L, false),
                new WorkerMessage.Listen("::", true, true, 8080),
                new WorkerMessage.Listen("127.0.0.1", null, null, null),
                new WorkerMessage.Ready(),
                new WorkerMessage.Watch(4_194_304L, 123L),
                new WorkerMessage.Watch(null, null),
                new WorkerMessage.Assigned(0),
                new WorkerMessage.Assigned(Integer.MAX_VALUE),
                new WorkerMessage.Shutdown());
        for (WorkerMessage m : flat) {
            byte[] line = Wire.encode(m);
            assertEquals(new String(Wire.encodeWithDatabind(m), StandardCharsets.UTF_8), new String(line, StandardCharsets.UTF_8), m.toString());
            byte[] withoutNewline = java.util.Arrays.copyOf(line, line.length - 1);
            assertEquals(m, WorkerCodec.decode(withoutNewline), "read without databind: " + m);
            assertEquals(m, Wire.decodeWithDatabind(withoutNewline, WorkerMessage.class), m.toString());
        }
        List<WorkerMessage> reports = List.of(
                new WorkerMessage.Metrics(new TelemetryReport(1000, "HISTFAAAA", new long[] {0, 3, 1_000_000_000_000L}, 987,
                        List.of(new TelemetryReport.LoopReport("loop-0", lag, 2, 0), new TelemetryReport.LoopReport(tricky, null, 0, 150)),
                        "HISTJVM", 10L << 20, 20L << 20, 4L << 30, 3, 12, 41, 5_000, lag, -1,
                        List.of(new PoolReport("hash", "executor", 1, 2, 3, 4), new PoolReport("common", "forkjoin", 0, 2, 0, -1)))),
                new WorkerMessage.Metrics(new TelemetryReport(1000, null, null, 0, null, null, 0, 0, -1, 0, 0, 1, -1, null, 0, null)),
                new WorkerMessage.Blocked(new BlockedReport("loop-1", 250, 1_796_000_000_000L, List.of("a.B.c(B.java:1)", tricky))),
                new WorkerMessage.Blocked(new BlockedReport("loop-1", 250, 1, null)),
                new WorkerMessage.Blocked(new BlockedReport("loop-1", 1456, 1, null, true, 0)),
                new WorkerMessage.Blocked(new BlockedReport("loop-0", 161, 1, List.of("jdk.internal.misc.Unsafe.compareAndSetLong(Native Method)"), false, 150)));
        for (WorkerMessage m : reports) {
            String line = new String(Wire.encode(m), StandardCharsets.UTF_8);
            assertEquals(new String(Wire.encodeWithDatabind(m), StandardCharsets.UTF_8), line, m.toString());
            assertEquals(line, new String(Wire.encode(Wire.decode(line.trim(), WorkerMessage.class)), StandardCharsets.UTF_8), "the supervisor reads it back");
        }
    }

    @Test
    void aLineTheFlatReaderDoesNotTakeIsReadByDatabindAsBefore() {
        String[] lines = {
                "{\"v\":1,\"type\":\"hello\",\"workerId\":\"3\"}", // a string for a number: databind coerces it
                "{\"v\":1,\"type\":\"hello\",\"workerId\":2.0}",
                "{\"v\":1,\"type\":\"assigned\",\"workerId\":null}",
                "{\"v\":1,\"type\":\"ready\",\"future\":{\"x\":[1]}}", // a newer peer's nested field
                "{\"type\":\"ready\",\"v\":1}",
                "{\"v\":1,\"type\":\"ready\"} trailing", // databind reads the first value and stops
        };
        for (String line : lines) {
            assertEquals(Wire.decodeWithDatabind(line.getBytes(StandardCharsets.UTF_8), WorkerMessage.class), Wire.decode(line, WorkerMessage.class), line);
        }
        for (String bad : new String[] {"{\"v\":2,\"type\":\"ready\"}", "{\"v\":1,\"type\":\"hello\",\"workerId\":99999999999}",
                "{\"v\":1,\"type\":\"hello\",\"pid\":true}", "{\"v\":1,\"type\":\"warp\"}", "[1]"}) {
            assertEquals(null, WorkerCodec.decode(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertThrows(ProtocolException.class, () -> Wire.decode(bad, WorkerMessage.class), bad);
        }
    }

    @Test
    void aFieldOfTheWrongTypeOrAnUnknownCommandIsAProtocolError() {
        assertThrows(ProtocolException.class, () -> Wire.decode("{\"v\":1,\"command\":\"metrics\",\"port\":\"abc\"}", Request.class));
        assertThrows(ProtocolException.class, () -> Wire.decode("{\"v\":1,\"command\":\"launch-missiles\"}", Request.class));
        assertThrows(ProtocolException.class, () -> Wire.decode("{\"v\":1}", Request.class));
    }

    @Test
    void unknownFieldsFromANewerPeerAreIgnored() {
        WorkerMessage m = Wire.decode("{\"v\":1,\"type\":\"ready\",\"future\":42}", WorkerMessage.class);
        assertTrue(m instanceof WorkerMessage.Ready);
    }

    @Test
    void aLineLongerThanTheBoundIsRefusedBeforeItFillsMemory() throws Exception {
        byte[] big = new byte[Wire.MAX_LINE_BYTES + 10];
        java.util.Arrays.fill(big, (byte) 'x');
        LineReader reader = new LineReader(java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(big)));
        ProtocolException e = assertThrows(ProtocolException.class, reader::readLine);
        assertTrue(e.getMessage().contains("longer than 4 MB"), e.getMessage());
    }

    @Test
    void linesAcrossReadsAndSeveralInOneReadComeOutWhole() throws Exception {
        byte[] bytes = ("a".repeat(20_000) + "\nb\nc\n").getBytes(StandardCharsets.UTF_8);
        LineReader reader = new LineReader(java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(bytes)));
        assertEquals(20_000, reader.readLine().length);
        assertEquals("b", new String(reader.readLine(), StandardCharsets.UTF_8));
        assertEquals("c", new String(reader.readLine(), StandardCharsets.UTF_8));
        assertEquals(null, reader.readLine());
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
        String json = Wire.json(List.of(new WorkerInfo("api", 0, 42L, "online", 1, 1234, 8080,
                12.5, 50_000_000L, 20_000_000L, new LagSummary(0.1, 0.2, 0.5, 3.25, 1000), false,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null)));
        for (String field : new String[] {"\"app\":\"api\"", "\"id\":0", "\"pid\":42", "\"state\":\"online\"", "\"restarts\":1", "\"uptimeMs\":1234",
                "\"cpu\":12.5", "\"rssBytes\":50000000", "\"heapUsedBytes\":20000000", "\"p50Ms\":0.1", "\"p99Ms\":0.5", "\"maxMs\":3.25"}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        assertTrue(!json.contains("lastExit"), json);
        assertTrue(json.contains("\"lag\":{"), json);
    }

    @Test
    void aMalformedLineIsDescribedByWhereItBreaksNotByJacksonsSettings() {
        ProtocolException e = org.junit.jupiter.api.Assertions.assertThrows(ProtocolException.class,
                () -> Wire.decode("{\"v\":1,\"apps\":[{\"name\":\"web\"", Request.class));
        assertEquals("malformed Request: Unexpected end-of-input: expected close marker for Object (start marker at line 1, column 16)",
                e.getMessage());
    }
}
