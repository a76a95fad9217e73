package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerStateTest {
    @Test
    void aStoppingWorkerCanOnlyEndStoppedEvenIfItCrashes() {
        assertTrue(WorkerState.STOPPING.canBecome(WorkerState.STOPPED));
        assertFalse(WorkerState.STOPPING.canBecome(WorkerState.EXITED));
        assertFalse(WorkerState.STOPPING.canBecome(WorkerState.LAUNCHING));
    }

    @Test
    void onlyRestartOrStopLeavesErrored() {
        for (WorkerState s : WorkerState.values()) {
            boolean allowed = s == WorkerState.LAUNCHING || s == WorkerState.STOPPED;
            assertTrue(WorkerState.ERRORED.canBecome(s) == allowed, "errored -> " + s);
        }
    }

    @Test
    void onlyStatesWithAProcessReportOne() {
        assertTrue(WorkerState.LAUNCHING.hasProcess());
        assertTrue(WorkerState.ONLINE.hasProcess());
        assertTrue(WorkerState.STOPPING.hasProcess());
        assertFalse(WorkerState.EXITED.hasProcess());
        assertFalse(WorkerState.ERRORED.hasProcess());
        assertFalse(WorkerState.STOPPED.hasProcess());
    }
}
