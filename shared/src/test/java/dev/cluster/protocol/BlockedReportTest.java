package dev.cluster.protocol;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockedReportTest {
    @Test
    void theAppsOwnFrameIsBlamedBelowLibraryFrames() {
        BlockedReport busy = new BlockedReport("loop-0", 200, 1, List.of("java.lang.System.nanoTime(Native Method)",
                "io.netty.util.Foo.bar(Foo.java:1)", "com.example.Handler.channelRead(Handler.java:42)", "io.netty.channel.X.y(X.java:2)"));
        assertEquals("com.example.Handler.channelRead(Handler.java:42)", busy.culprit());
        assertFalse(busy.waiting());
        assertEquals("(the stall ended before its stack could be caught)", new BlockedReport("loop-0", 200, 1, null).culprit());
    }

    /** Caught in epoll_wait (seen under a fuzz on 2 busy cores): the thread woke late, no frame is to blame. */
    @Test
    void aLoopCaughtInItsWaitForEventsBlamesNoFrame() {
        for (String top : List.of("io.netty.channel.epoll.Native.epollWait0(Native Method)", "io.netty.channel.epoll.Native.epollBusyWait0(Native Method)",
                "sun.nio.ch.EPoll.wait(Native Method)")) {
            BlockedReport idle = new BlockedReport("loop-0", 134, 1, List.of(top, "io.netty.channel.epoll.EpollIoHandler.run(EpollIoHandler.java:1)"));
            assertTrue(idle.waiting(), top);
            assertTrue(idle.culprit().startsWith("(no code: the loop was waiting for events and woke late"), idle.culprit());
        }
        assertFalse(new BlockedReport("loop-0", 134, 1, List.of("io.netty.channel.epoll.Native.epollCtlMod0(Native Method)")).waiting());
    }

    @Test
    void aStallOfTheWholeJvmBlamesNoFrame() {
        assertEquals("(no code: the whole JVM was paused, by a stop-the-world collection, SIGSTOP or a lack of CPU)",
                new BlockedReport("loop-0", 1456, 1, null, true).culprit());
    }
}
