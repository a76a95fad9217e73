package dev.cluster.reload;

import dev.cluster.protocol.AppSpec;
import dev.cluster.sockets.NativeLibraryForTests;
import dev.cluster.sockets.NativeSockets;
import dev.cluster.worker.App;
import dev.cluster.worker.FakeLoop;
import dev.cluster.worker.FakeProcess;
import dev.cluster.worker.FakeProcesses;
import dev.cluster.worker.PortListeners;
import dev.cluster.worker.Slot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steering against the real kernel, on loopback: new connections go only to the sockets whose
 * process is ready, and the mirrored group order stays right after a socket closes.
 */
class ListeningSocketsTest {
    private final FakeLoop loop = new FakeLoop();
    private final List<Socket> clients = new ArrayList<>();
    private ListeningSockets sockets;
    private App app;
    private int port;
    /** The process of each slot handed its socket first. */
    private final List<FakeProcess> first = new ArrayList<>();
    private long nextPid = 1000;

    @BeforeAll
    static void loadTheNativeLibrary() throws Exception {
        NativeLibraryForTests.loadOrSkip();
    }

    void app(int slots) throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        sockets = new ListeningSockets("web", port, loop);
        app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).port(port).instances(slots).build(), sockets, loop,
                new FakeProcesses(), (slot, state) -> { });
        for (Slot slot : app.slots()) {
            first.add(process());
            sockets.fd(slot.id(), false, "127.0.0.1", false, first.get(slot.id()));
        }
    }

    private FakeProcess process() {
        return new FakeProcess(nextPid++);
    }

    /** The socket that slot {@code id}'s processes take (a test's own look at it: it stands for no process). */
    private int fd(int id) throws Exception {
        return sockets.fd(id, false, "127.0.0.1", false, first.get(id));
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (Socket c : clients) {
            c.close();
        }
        first.forEach(p -> p.exit(0));
        if (app != null) {
            app.slots().forEach(sockets::close);
        }
        loop.runDue();
    }

    /** Opens {@code n} connections and returns how many each slot's socket has queued. */
    private List<Long> connect(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            Socket c = new Socket();
            c.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            clients.add(c);
        }
        List<Long> queued = new ArrayList<>();
        for (Slot slot : app.slots()) {
            queued.add(NativeSockets.acceptQueue(fd(slot.id())));
        }
        return queued;
    }

    @Test
    void newConnectionsGoOnlyToSocketsWhoseProcessIsReady() throws Exception {
        app(3);
        sockets.serving(app.slots().get(1));
        assertEquals(List.of(0L, 12L, 0L), connect(12));
        sockets.serving(app.slots().get(2));
        sockets.down(app.slots().get(1));
        assertEquals(List.of(0L, 12L, 8L), connect(8));
    }

    /** What describe says of a paused worker: its new connections go elsewhere only while another worker serves. */
    @Test
    void aDownSlotsNewConnectionsWaitInItsQueueWhenNoOtherSlotServes() throws Exception {
        app(2);
        sockets.serving(app.slots().get(0));
        sockets.serving(app.slots().get(1));
        sockets.down(app.slots().get(0));
        assertEquals("new connections go to the app's other workers", sockets.whileDown(app.slots().get(0)));
        assertEquals(List.of(0L, 4L), connect(4));
        sockets.down(app.slots().get(1));
        assertEquals("no other worker of the app serves: new connections wait in its queue", sockets.whileDown(app.slots().get(0)));
        List<Long> queued = connect(40);
        assertEquals(44L, queued.get(0) + queued.get(1));
        assertTrue(queued.get(0) > 0, "the kernel's own choice includes the paused slot's socket: " + queued);
    }

    @Test
    void theGroupOrderStaysRightAfterASocketCloses() throws Exception {
        app(3);
        first.get(0).exit(0);
        sockets.close(app.slots().get(0)); // the kernel moves slot 2's socket into index 0
        sockets.serving(app.slots().get(2));
        clients.add(new Socket("127.0.0.1", port));
        Socket more = new Socket("127.0.0.1", port);
        clients.add(more);
        assertEquals(0L, NativeSockets.acceptQueue(fd(1)));
        assertEquals(2L, NativeSockets.acceptQueue(fd(2)));
    }

    /**
     * A stop just after a reload, while the old process drains: that process holds a copy of the retiring socket, which
     * must stay ours until it has exited (closed first, it stayed in the group, held by the draining process only, and
     * steering went off for good: seen in a fuzz).
     */
    @Test
    void aRetiringSocketOutlivesTheSlotsCloseUntilItsProcessHasExited() throws Exception {
        app(1);
        Slot slot = app.slots().get(0);
        sockets.serving(slot);
        FakeProcess replacement = process();
        sockets.fd(0, true, "127.0.0.1", false, replacement);
        sockets.promoted(slot);
        replacement.exit(137);
        sockets.close(slot); // stopped: the new process exited, the old one still drains
        assertEquals(1, PortListeners.listening(port).size(), "the retiring socket is still ours");
        FakeProcess old = first.set(0, process());
        sockets.fd(0, false, "127.0.0.1", false, first.get(0)); // started again
        sockets.serving(slot);
        assertEquals(List.of(6L), connect(6), "steered to the serving socket, none to the retiring one");
        assertEquals(2, PortListeners.listening(port).size());
        old.exit(0);
        loop.runDue();
        assertEquals(1, PortListeners.listening(port).size(), "the old process's exit closes its socket");
        assertEquals(List.of(10L), connect(4), "and the steering is still on");
    }

    /**
     * A crash loop's last crash, handled as its death watch fired, errors the slot while the process and a replacement
     * killed with it still hold their copies: each socket is closed once its own holders have exited, and the steering
     * of the app's other slots stays on.
     */
    @Test
    void aSocketIsClosedOnlyOnceEveryProcessHandedItHasExited() throws Exception {
        app(2);
        Slot slot = app.slots().get(0);
        sockets.serving(slot);
        sockets.serving(app.slots().get(1));
        FakeProcess replacement = process();
        sockets.fd(0, true, "127.0.0.1", false, replacement);
        sockets.down(slot);
        sockets.close(slot); // errored: its process is dying, the replacement was just killed
        assertEquals(3, PortListeners.listening(port).size(), "both of slot 0's sockets are still ours");
        CompletableFuture<Void> released = sockets.released(); // what a delete waits for
        first.get(0).exit(137);
        loop.runDue();
        assertEquals(2, PortListeners.listening(port).size(), "the crashed process's socket is closed after its exit");
        assertFalse(released.isDone());
        replacement.exit(137);
        loop.runDue();
        assertEquals(1, PortListeners.listening(port).size(), "the replacement's after its own");
        assertTrue(released.isDone());
        for (int i = 0; i < 5; i++) {
            clients.add(new Socket("127.0.0.1", port));
        }
        assertEquals(5L, NativeSockets.acceptQueue(fd(1)), "steered to slot 1, the one left");
    }
}
