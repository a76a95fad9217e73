package dev.cluster.it;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A hostile worker: over the worker socket it reports a stall whose loop name carries a newline and
 * a forged log line and whose stack carries terminal escapes, prints escape sequences to stderr, and
 * exits with code 3.
 */
public final class ForgingWorker {
    public static void main(String[] args) throws Exception {
        try (SocketChannel socket = SocketChannel.open(UnixDomainSocketAddress.of(System.getenv("CLUSTER_WORKER_SOCKET")))) {
            String hello = "{\"v\":1,\"type\":\"hello\",\"agent\":true}\n";
            String blocked = "{\"v\":1,\"type\":\"blocked\",\"blocked\":{\"loop\":\"loop-0\\n2026-01-01T00:00:00Z INFO Supervisor - FORGED LINE\","
                    + "\"durationMs\":150,\"startedAtEpochMs\":1,\"stack\":[\"evil.Frame(\\u001b[2J\\u001b]0;pwned\\u0007)\"]}}\n";
            socket.write(ByteBuffer.wrap((hello + blocked).getBytes(StandardCharsets.UTF_8)));
            Thread.sleep(1_500); // the supervisor takes both before the process exits
        }
        System.err.println("bye \u001b[2J\u001b[H\u001b]0;pwned\u0007");
        System.exit(3);
    }
}
