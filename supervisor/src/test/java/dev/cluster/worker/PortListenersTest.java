package dev.cluster.worker;

import dev.cluster.sockets.NativeLibraryForTests;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

    @Test
    void theKernelsSockDiagNamesTheSameListenersAsProc() throws Exception {
        NativeLibraryForTests.loadOrSkip();
        try (ServerSocket v4 = new ServerSocket(); ServerSocket v6 = new ServerSocket(); ServerSocket any = new ServerSocket()) {
            v4.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            any.bind(new InetSocketAddress(0)); // the wildcard of an IPv6 socket that takes IPv4 too
            Set<Integer> ports = Set.of(v4.getLocalPort(), v6.getLocalPort(), any.getLocalPort());
            List<PortListeners.Listener> fromKernel = ours(PortListeners.fromSockDiag(), ports);
            assertEquals(3, fromKernel.size(), fromKernel.toString());
            assertEquals(new HashSet<>(ours(PortListeners.fromProc(), ports)), new HashSet<>(fromKernel));
            assertEquals(3, PortListeners.heldBy(self, fromKernel).size());
            PortListeners.Listener first = PortListeners.listening(v4.getLocalPort()).get(0); // the daemon's way: the native one
            assertEquals(InetAddress.getByName("127.0.0.1"), first.address()); // on the JDK's IPv6 socket, an IPv4-mapped address
            PortListeners.Listener second = PortListeners.listening(v6.getLocalPort()).get(0);
            assertEquals(InetAddress.getByName("::1"), second.address());
            assertTrue(second.ipv6());
        }
    }

    private static List<PortListeners.Listener> ours(List<PortListeners.Listener> listeners, Set<Integer> ports) {
        return listeners.stream().filter(l -> ports.contains(l.port())).toList();
    }
}
