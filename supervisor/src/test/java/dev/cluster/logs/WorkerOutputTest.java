package dev.cluster.logs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerOutputTest {
    @Test
    void addressInUseIsRecognisedAsTheJdkNettyTheFrameworksAndPythonSayIt() {
        for (String line : List.of("java.net.BindException: Address already in use",
                "io.netty.channel.unix.Errors$NativeIoException: bind(..) failed: Address already in use",
                "Web server failed to start. Port 8080 was already in use.",
                "13:52:10.984 [main] ERROR i.m.h.server.netty.NettyHttpServer - Unable to start server. Port *:18123 already in use.",
                "2026-12-07 13:14:17,063 ERROR [io.quarkus.runtime.Application] (main) Port 8080 seems to be in use by another process. "
                        + "Quarkus may already be running or the port is used by another application.",
                "OSError: [Errno 98] Address already in use")) {
            assertTrue(WorkerOutput.saysAddressInUse(line), line);
        }
        for (String line : List.of("java.net.ConnectException: Connection refused", "connections in use: 12", "heap in use 40M")) {
            assertFalse(WorkerOutput.saysAddressInUse(line), line);
        }
    }
}
