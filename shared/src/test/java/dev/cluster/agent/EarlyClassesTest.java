package dev.cluster.agent;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioEventLoop;
import io.netty.channel.unix.Socket;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which classes, found loaded before the agent (from an AOT cache), are given to its transformers again. */
class EarlyClassesTest {
    @Test
    void theClassesOfTheTransformersAreTheOnesFound() {
        assertTrue(EarlyClasses.instrumented(Socket.class), "Netty's native socket: its bind shares the port");
        assertTrue(EarlyClasses.instrumented(SingleThreadIoEventLoop.class), "Netty 4.2's event loop");
        assertTrue(EarlyClasses.instrumented(DefaultEventLoop.class), "a Netty event loop");
        assertTrue(EarlyClasses.instrumented(QueuedThreadPool.class), "a server's request pool (the tests' stand-in for Jetty's)");
    }

    @Test
    void othersAreLeftAlone() {
        assertFalse(EarlyClasses.instrumented(SingleThreadEventLoop.class), "the loops' superclass runs no loop of its own");
        assertFalse(EarlyClasses.instrumented(NioEventLoop.class), "4.2's NIO loop runs its superclass's run(), instrumented there");
        assertFalse(EarlyClasses.instrumented(EpollIoHandler.class));
        assertFalse(EarlyClasses.instrumented(String.class));
        assertFalse(EarlyClasses.instrumented(EarlyClassesTest.class));
    }
}
