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
                new BlockedReport("loop-0", 1456, 1, null, true, 0).culprit());
    }

    /** Seen in a fuzz on 2 busy cores: "blocked 161 ms at Unsafe.compareAndSetLong", a CAS that ran for a moment of it. */
    @Test
    void aLoopThatWaitedForAProcessorMostOfTheStallBlamesNoFrame() {
        List<String> stack = List.of("jdk.internal.misc.Unsafe.compareAndSetLong(Native Method)", "com.example.Handler.channelRead(Handler.java:42)");
        BlockedReport starved = new BlockedReport("loop-0", 161, 1, stack, false, 150);
        assertTrue(starved.starved());
        assertEquals("(no code: its thread waited 150 ms of it for a processor: the processors were busy with other work, or a CPU quota was spent)", starved.culprit());
        assertFalse(starved.blamesCode());
        BlockedReport busy = new BlockedReport("loop-0", 161, 1, stack, false, 40);
        assertFalse(busy.starved(), "a loop that ran most of it is held by its code");
        assertEquals("com.example.Handler.channelRead(Handler.java:42)", busy.culprit());
        assertTrue(busy.blamesCode());
        assertFalse(new BlockedReport("loop-0", 161, 1, stack, false, 0).starved(), "unknown (no schedstat): the stack speaks");
    }
}
