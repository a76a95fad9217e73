package dev.cluster.telemetry;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopProbeTest {
    /** The watchdog caught the loop as the late probe itself ran (seen on 2 busy cores): those frames blame nobody. */
    @Test
    void aStackCaughtInTheProbesRunIsNotACulprit() {
        StackTraceElement probe = new StackTraceElement(LoopProbe.class.getName(), "run", "LoopProbe.java", 70);
        StackTraceElement loop = new StackTraceElement("io.netty.util.concurrent.AbstractEventExecutor", "runTask", "AbstractEventExecutor.java", 173);
        StackTraceElement app = new StackTraceElement("com.example.Handler", "channelRead", "Handler.java", 42);
        StackTraceElement[] inProbe = {new StackTraceElement("sun.management.ThreadImpl", "getThreadTotalCpuTime0", null, -2), probe, loop};
        assertTrue(LoopProbe.inProbe(inProbe));
        assertFalse(LoopProbe.inProbe(new StackTraceElement[] {app, loop}));
        assertFalse(LoopProbe.inProbe(new StackTraceElement[0]));
    }

    /** A 1.4 s SIGSTOP (seen in a fuzz: "blocked 1456 ms at Unsafe.compareAndSetLong") or a long collection: no code to blame. */
    @Test
    void aStallMostlySpentWithTheWholeJvmPausedIsThePauses() {
        long ms = 1_000_000;
        assertTrue(LoopProbe.pausedFor(1_500 * ms, 1_400 * ms, 2 * ms), "stopped for 1.4 s of its 1.5 s");
        assertTrue(LoopProbe.pausedFor(200 * ms, 100 * ms, 5 * ms), "a 100 ms collection, looked at as the loop crossed 100 ms");
        assertFalse(LoopProbe.pausedFor(100 * ms, 1 * ms, 0), "the watchdog on time, the loop off the CPU: blocked in a call, its own");
        assertFalse(LoopProbe.pausedFor(2_000 * ms, 150 * ms, 0), "a short pause in a long block: the code's");
        assertFalse(LoopProbe.pausedFor(300 * ms, 200 * ms, 280 * ms), "the watchdog starved while the loop spun in its code: the code's");
    }

    @Test
    void aLoopsNettyIsFoundWhereverItIsShaded() {
        assertEquals("io.netty", EventLoop.nettyPackage("io.netty.channel.SingleThreadIoEventLoop"));
        assertEquals("io.grpc.netty.shaded.io.netty", EventLoop.nettyPackage("io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoop"));
        assertEquals("io.netty", EventLoop.nettyPackage("com.example.OwnLoop"), "an app's own loop class: Netty's own package");
    }
}
