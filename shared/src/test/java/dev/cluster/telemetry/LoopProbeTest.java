package dev.cluster.telemetry;

import org.junit.jupiter.api.Test;

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
}
