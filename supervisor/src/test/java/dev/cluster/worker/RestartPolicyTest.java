package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartPolicyTest {
    private static final boolean READY = true;
    private static final boolean NEVER_READY = false;

    @Test
    void crashLoopIsErroredAfterMaxUnstableRestarts() {
        RestartPolicy policy = new RestartPolicy(100, 3, 1_000);
        for (int i = 1; i <= 3; i++) {
            RestartPolicy.Decision d = policy.afterCrash(10, NEVER_READY, false);
            assertFalse(d.errored(), "restart " + i);
            assertEquals(i, d.unstableRestarts());
        }
        assertTrue(policy.afterCrash(10, NEVER_READY, false).errored());
    }

    @Test
    void aRunThatServedIsRestartedAtOnceHoweverOftenItHappens() {
        RestartPolicy policy = new RestartPolicy(100, 3, 1_000);
        for (int i = 0; i < 100; i++) { // killed every few seconds, for ever: never errored, never delayed
            RestartPolicy.Decision d = policy.afterCrash(3_000, READY, false);
            assertFalse(d.errored());
            assertEquals(0, d.delayMs());
        }
    }

    @Test
    void runsThatNeverBecameReadyBackOffByHalfEachTimeUpTo15Seconds() {
        RestartPolicy policy = new RestartPolicy(100, 1000, 1_000);
        assertEquals(100, policy.afterCrash(10, NEVER_READY, false).delayMs());
        assertEquals(150, policy.afterCrash(5_000, NEVER_READY, false).delayMs(), "a slow start-up that failed is not served either");
        assertEquals(225, policy.afterCrash(10, NEVER_READY, false).delayMs());
        long last = 0;
        for (int i = 0; i < 30; i++) {
            last = policy.afterCrash(10, NEVER_READY, false).delayMs();
        }
        assertEquals(RestartPolicy.MAX_DELAY_MS, last);
    }

    @Test
    void aReadyRunThatDiedWithinMinUptimeBacksOffAndAServedRunResetsTheBackOff() {
        RestartPolicy policy = new RestartPolicy(100, 100, 1_000);
        assertEquals(100, policy.afterCrash(900, READY, false).delayMs(), "ready, then dead at once: a crash loop in the making");
        assertEquals(150, policy.afterCrash(10, NEVER_READY, false).delayMs());
        assertEquals(0, policy.afterCrash(1_000, READY, false).delayMs());
        assertEquals(100, policy.afterCrash(10, NEVER_READY, false).delayMs(), "back-off afresh after a run that served");
    }

    @Test
    void aStableRunForgetsEarlierUnstableRestarts() {
        RestartPolicy policy = new RestartPolicy(100, 2, 1_000);
        policy.afterCrash(10, NEVER_READY, false);
        policy.afterCrash(10, NEVER_READY, false);
        RestartPolicy.Decision afterStableRun = policy.afterCrash(5_000, READY, false);
        assertFalse(afterStableRun.errored());
        assertEquals(0, afterStableRun.unstableRestarts());
        assertFalse(policy.afterCrash(10, NEVER_READY, false).errored());
    }

    @Test
    void resetByTheUserStartsAfresh() {
        RestartPolicy policy = new RestartPolicy(100, 1, 1_000);
        policy.afterCrash(10, NEVER_READY, false);
        policy.reset();
        RestartPolicy.Decision d = policy.afterCrash(10, NEVER_READY, false);
        assertFalse(d.errored());
        assertEquals(100, d.delayMs());
    }

    @Test
    void aRunThatFailedAtStartUpIsUnstableHoweverLongItTook() {
        RestartPolicy policy = new RestartPolicy(100, 2, 1_000);
        // A slow starter that fails at bind after 28 s: three such runs are a crash loop like three 10 ms ones.
        assertFalse(policy.afterCrash(28_000, NEVER_READY, true).errored());
        assertFalse(policy.afterCrash(28_000, NEVER_READY, true).errored());
        RestartPolicy.Decision third = policy.afterCrash(40_000, NEVER_READY, true);
        assertTrue(third.errored());
        assertEquals(2, third.unstableRestarts());
    }
}
