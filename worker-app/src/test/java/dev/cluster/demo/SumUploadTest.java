package dev.cluster.demo;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /sum through worker-app's real server on a real port: streamed as it arrives, or buffered. */
class SumUploadTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private EventLoopGroup loops;
    private HttpServer server;

    @BeforeEach
    void start() {
        loops = HttpServer.loops();
        server = HttpServer.start("127.0.0.1", 0, new int[0], new Routes("t", 0, 1), loops);
    }

    @AfterEach
    void stop() {
        server.drain(Duration.ofMillis(100));
    }

    @Test
    void aLongArraySentInChunksIsSummedAsItArrivesAndTheBufferedWayAgrees() throws Exception {
        // 200,000 numbers, ~1.3 MB, sent chunked (no length known up front), in pieces that cut numbers in two.
        String json = "[" + String.join(",", IntStream.rangeClosed(1, 200_000).mapToObj(i -> i % 2 == 0 ? Integer.toString(i) : i + ".5").toList()) + "]";
        String expected = "{\"count\":200000,\"sum\":" + SumUpload.number(200_000.0 * 200_001 / 2 + 100_000 * 0.5) + "}\n";
        for (String path : new String[] {"/sum", "/sum?buffered=1"}) {
            HttpResponse<String> answer = post(path, HttpRequest.BodyPublishers.ofInputStream(() -> inPieces(json, 1000)));
            assertEquals(200, answer.statusCode(), path + ": " + answer.body());
            assertEquals(expected, answer.body(), path);
        }
    }

    @Test
    void whatIsNotAFlatArrayOfNumbersIsABadRequestThatSaysWhy() throws Exception {
        assertBad("[1, \"two\"]", "an element is not a number");
        assertBad("[1, [2]]", "an element is not a number");
        assertBad("{\"a\": 1}", "it does not start with '['");
        assertBad("[1, 2", "end-of-input");
        assertBad("", "it ends before its ']'");
        assertBad("[1] 2", "more after the array's end");
        assertBad("[1e400]", "beyond a double's range");
        assertBad("[\"" + "x".repeat(100_000) + "\"]", "not a JSON array of numbers"); // refused at 64 characters, not held whole
    }

    @Test
    void aGetIsToldToPostAndTheConnectionServesTheNextRequestAfterAnUpload() throws Exception {
        assertEquals(405, CLIENT.send(HttpRequest.newBuilder(uri("/sum")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\n[1,2,3]"
                    + "GET /whoami HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            String answers = all.toString(StandardCharsets.US_ASCII);
            assertTrue(answers.startsWith("HTTP/1.1 200 OK") && answers.contains("{\"count\":3,\"sum\":6}"), answers);
            assertTrue(answers.indexOf("HTTP/1.1 200 OK", 1) > 0 && answers.contains("\"workerId\":0"), "then the GET, on the same connection: " + answers);
        }
    }

    @Test
    void aBufferedBodyOverItsBoundIsRefusedAndTheConnectionServesOn() throws Exception {
        byte[] body = new byte[SumUpload.MAX_BUFFERED + 1];
        java.util.Arrays.fill(body, (byte) ' ');
        body[0] = '[';
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sum?buffered=1 HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.write("GET /whoami HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            String answers = all.toString(StandardCharsets.US_ASCII);
            assertTrue(answers.startsWith("HTTP/1.1 413 ") && answers.contains("the streamed /sum takes any length"), answers);
            assertTrue(answers.contains("\"workerId\":0"), "the rest of the body was read and dropped, and the GET answered: " + answers);
        }
    }

    private void assertBad(String body, String why) throws Exception {
        for (String path : new String[] {"/sum", "/sum?buffered=1"}) {
            HttpResponse<String> answer = post(path, HttpRequest.BodyPublishers.ofString(body));
            assertEquals(400, answer.statusCode(), path + " " + body);
            assertTrue(answer.body().contains(why), path + ": " + answer.body());
        }
    }

    private HttpResponse<String> post(String path, HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** The text as a stream read in pieces of at most {@code size} bytes. */
    private static InputStream inPieces(String text, int size) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return new SequenceInputStream(Collections.enumeration(IntStream.range(0, (bytes.length + size - 1) / size)
                .mapToObj(i -> (InputStream) new java.io.ByteArrayInputStream(bytes, i * size, Math.min(size, bytes.length - i * size))).toList()));
    }
}
