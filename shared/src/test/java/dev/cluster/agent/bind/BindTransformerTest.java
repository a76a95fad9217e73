package dev.cluster.agent.bind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The injected bytecode runs, finds {@link PortBinds} from inside a class of another loader, and the
 * hook shares only a server's bind of the app's port. The JDK's own bind path is exercised by the
 * integration tests (it needs a real agent to retransform java.base).
 */
class BindTransformerTest {
    private static final int PORT = 18_123;
    private static final String SOCKET = "testdata.io.netty.channel.unix.Socket";

    @AfterEach
    void unconfigure() {
        PortBinds.configure(null);
    }

    /** Loads the stand-in for Netty's Socket, instrumented, in a loader of its own (as an app's Netty would be). */
    private static Class<?> instrumentedSocket() throws IOException {
        byte[] original;
        try (InputStream in = BindTransformerTest.class.getResourceAsStream("/" + SOCKET.replace('.', '/') + ".class")) {
            original = in.readAllBytes();
        }
        byte[] instrumented = new BindTransformer().transform(null, SOCKET.replace('.', '/'), null, null, original);
        assertNotNull(instrumented, "a class named like Netty's Socket is instrumented");
        return new ClassLoader(null) {
            Class<?> define() {
                return defineClass(SOCKET, instrumented, 0, instrumented.length);
            }
        }.define();
    }

    @SuppressWarnings("unchecked")
    private static List<String> calls(Object socket) throws ReflectiveOperationException {
        return (List<String>) socket.getClass().getField("calls").get(socket);
    }

    /** Named like Netty's server channels, which is how the hook tells a server's bind from a client's. */
    static final class FakeEpollServerChannel {
        static void bind(Object socket, int port) throws ReflectiveOperationException {
            Method bind = socket.getClass().getMethod("bind", java.net.SocketAddress.class);
            bind.invoke(socket, new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void aServersBindOfTheAppsPortGetsReusePortFirst() throws Exception {
        PortBinds.configure(new PortBinds.Config(PORT, 0, Path.of("/nonexistent"), false, null));
        Object socket = instrumentedSocket().getConstructor().newInstance();
        FakeEpollServerChannel.bind(socket, PORT);
        assertEquals(List.of("reuseport true", "bind /127.0.0.1:" + PORT), calls(socket));
    }

    @Test
    void otherPortsAndClientBindsAreLeftAlone() throws Exception {
        PortBinds.configure(new PortBinds.Config(PORT, 0, Path.of("/nonexistent"), false, null));
        Object socket = instrumentedSocket().getConstructor().newInstance();
        FakeEpollServerChannel.bind(socket, PORT + 1);
        socket.getClass().getMethod("bind", java.net.SocketAddress.class).invoke(socket, new InetSocketAddress("127.0.0.1", PORT));
        assertEquals(List.of("bind /127.0.0.1:" + (PORT + 1), "bind /127.0.0.1:" + PORT), calls(socket));
    }

    @Test
    void withoutASupervisorTheInstrumentedBindIsTheAppsOwn() throws Exception {
        Object socket = instrumentedSocket().getConstructor().newInstance();
        FakeEpollServerChannel.bind(socket, PORT);
        assertEquals(List.of("bind /127.0.0.1:" + PORT), calls(socket));
    }

    /**
     * With handoff, the app's port is handed over once bound (the agent reads its descriptor); the app's second
     * port (--shared-port) gets SO_REUSEPORT too but keeps its own socket. Here no supervisor answers, so the
     * handoff fails and the app keeps its socket, as it would.
     */
    @Test
    void theSecondPortIsSharedButNotHandedOver() throws Exception {
        int second = PORT + 7;
        PortBinds.configure(new PortBinds.Config(PORT, second, Path.of("/nonexistent"), true, null));
        Object appPort = instrumentedSocket().getConstructor().newInstance();
        FakeEpollServerChannel.bind(appPort, PORT);
        assertEquals(List.of("reuseport true", "bind /127.0.0.1:" + PORT, "fd"), calls(appPort));
        Object secondPort = instrumentedSocket().getConstructor().newInstance();
        FakeEpollServerChannel.bind(secondPort, second);
        assertEquals(List.of("reuseport true", "bind /127.0.0.1:" + second), calls(secondPort));
        Object clientOfIt = instrumentedSocket().getConstructor().newInstance();
        clientOfIt.getClass().getMethod("bind", java.net.SocketAddress.class).invoke(clientOfIt, new InetSocketAddress("127.0.0.1", second));
        assertEquals(List.of("bind /127.0.0.1:" + second), calls(clientOfIt));
    }

    @Test
    void otherClassesAreNotTouched() {
        assertNull(new BindTransformer().transform(null, "com/example/Socket2", null, null, new byte[0]));
    }
}
