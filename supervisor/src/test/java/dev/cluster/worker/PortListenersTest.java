package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void aPortTheKernelChoseIsInTheEphemeralRangeAndAUsersUsualPortsAreNot() throws Exception {
        assertEquals(32768, PortListeners.portRange("32768\t60999\n")[0]);
        assertEquals(60999, PortListeners.portRange("32768\t60999\n")[1]);
        try (ServerSocket server = new ServerSocket(0)) {
            assertTrue(PortListeners.ephemeral(server.getLocalPort()));
        }
        assertFalse(PortListeners.ephemeral(8080));
        assertFalse(PortListeners.ephemeral(9010));
    }

    @Test
    void readsTheKernelsAddressesWordByWordInItsByteOrder() throws Exception {
        assertEquals(InetAddress.getByName("127.0.0.1"), PortListeners.address("0100007F"));
        assertEquals(InetAddress.getByName("::"), PortListeners.address("00000000000000000000000000000000"));
        assertEquals(InetAddress.getByName("::1"), PortListeners.address("00000000000000000000000001000000"));
        // An IPv4-mapped address on an IPv6 socket reads as the IPv4 address, as the JDK reports it.
        assertEquals(InetAddress.getByName("127.0.0.1"), PortListeners.address("0000000000000000FFFF00000100007F"));
    }

    @Test
    void findsTheListenerWithItsPortAndFamily() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            PortListeners.Listener l = PortListeners.heldBy(self, PortListeners.listening(server.getLocalPort())).get(0);
            assertEquals(server.getLocalPort(), l.port());
            assertEquals(InetAddress.getLoopbackAddress(), l.address());
        }
    }
}
