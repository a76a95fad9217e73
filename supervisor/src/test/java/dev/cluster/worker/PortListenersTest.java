package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortListenersTest {
    private final long self = ProcessHandle.current().pid();

    @Test
    void seesTheListeningSocketOfThisProcess() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertTrue(PortListeners.listens(self, server.getLocalPort()));
        }
    }

    @Test
    void aClosedPortOrAnotherProcessDoesNotCount() throws Exception {
        int port;
        try (ServerSocket server = new ServerSocket(0)) {
            port = server.getLocalPort();
            long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
            assertFalse(PortListeners.listens(parent, port));
        }
        assertFalse(PortListeners.listens(self, port));
    }
}
