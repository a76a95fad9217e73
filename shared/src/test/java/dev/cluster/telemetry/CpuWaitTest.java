package dev.cluster.telemetry;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuWaitTest {
    @Test
    void theRunDelayIsSchedstatsSecondField() {
        assertEquals(40433297, CpuWait.parse("432529496 40433297 472\n"));
        assertEquals(-1, CpuWait.parse(""));
        assertEquals(-1, CpuWait.parse("garbage"));
    }

    /** This thread's own file, read twice: a total that never falls. */
    @Test
    void theCallingThreadsWaitIsReadFromItsOwnFile() {
        try (CpuWait wait = CpuWait.ofCurrentThread()) {
            long first = wait.nanos();
            assertTrue(first >= 0, "Linux has /proc/thread-self/schedstat");
            assertTrue(wait.nanos() >= first);
        }
    }
}
