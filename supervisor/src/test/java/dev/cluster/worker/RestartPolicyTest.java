package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartPolicyTest {
    @Test
    void crashLoopIsErroredAfterMaxUnstableRestarts() {
        RestartPolicy policy = new RestartPolicy(100, 3, 1_000);
        for (int i = 1; i <= 3; i++) {
            RestartPolicy.Decision d = policy.afterCrash(10, false);
            assertFalse(d.errored(), "restart " + i);
            assertEquals(i, d.unstableRestarts());
        }
        assertTrue(policy.afterCrash(10, false).errored());
    }

    @Test
    void delayGrowsByHalfEachRestartAndIsCappedAt15Seconds() {
        RestartPolicy policy = new RestartPolicy(100, 1000, 1_000);
        assertEquals(100, policy.afterCrash(10, false).delayMs());
        assertEquals(150, policy.afterCrash(10, false).delayMs());
        assertEquals(225, policy.afterCrash(10, false).delayMs());
        long last = 0;
        for (int i = 0; i < 30; i++) {
            last = policy.afterCrash(10, false).delayMs();
        }
        assertEquals(RestartPolicy.MAX_DELAY_MS, last);
    }

    @Test
    void aStableRunForgetsEarlierUnstableRestarts() {
        RestartPolicy policy = new RestartPolicy(100, 2, 1_000);
        policy.afterCrash(10, false);
        policy.afterCrash(10, false);
        RestartPolicy.Decision afterStableRun = policy.afterCrash(5_000, false);
        assertFalse(afterStableRun.errored());
        assertEquals(0, afterStableRun.unstableRestarts());
        assertFalse(policy.afterCrash(10, false).errored());
    }

    @Test
    void thirtySecondsOfUptimeResetsTheBackOffButAShortStableRunDoesNot() {
        RestartPolicy policy = new RestartPolicy(100, 100, 1_000);
        policy.afterCrash(10, false);
        policy.afterCrash(10, false);
        assertEquals(225, policy.afterCrash(2_000, false).delayMs());
        assertEquals(100, policy.afterCrash(RestartPolicy.STABLE_UPTIME_MS, false).delayMs());
    }

    @Test
    void resetByTheUserStartsAfresh() {
        RestartPolicy policy = new RestartPolicy(100, 1, 1_000);
        policy.afterCrash(10, false);
        policy.reset();
        RestartPolicy.Decision d = policy.afterCrash(10, false);
        assertFalse(d.errored());
        assertEquals(100, d.delayMs());
    }

    @Test
    void aRunThatFailedAtStartUpIsUnstableHoweverLongItTook() {
        RestartPolicy policy = new RestartPolicy(100, 2, 1_000);
        // A slow starter that fails at bind after 28 s: three such runs are a crash loop like three 10 ms ones.
        assertFalse(policy.afterCrash(28_000, true).errored());
        assertFalse(policy.afterCrash(28_000, true).errored());
        RestartPolicy.Decision third = policy.afterCrash(40_000, true);
        assertTrue(third.errored());
        assertEquals(2, third.unstableRestarts());
    }
}
