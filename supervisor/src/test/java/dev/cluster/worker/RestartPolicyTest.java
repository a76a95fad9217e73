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
            RestartPolicy.Decision d = policy.afterCrash(10);
            assertFalse(d.errored(), "restart " + i);
            assertEquals(i, d.unstableRestarts());
        }
        assertTrue(policy.afterCrash(10).errored());
    }

    @Test
    void delayGrowsByHalfEachRestartAndIsCappedAt15Seconds() {
        RestartPolicy policy = new RestartPolicy(100, 1000, 1_000);
        assertEquals(100, policy.afterCrash(10).delayMs());
        assertEquals(150, policy.afterCrash(10).delayMs());
        assertEquals(225, policy.afterCrash(10).delayMs());
        long last = 0;
        for (int i = 0; i < 30; i++) {
            last = policy.afterCrash(10).delayMs();
        }
        assertEquals(RestartPolicy.MAX_DELAY_MS, last);
    }

    @Test
    void aStableRunForgetsEarlierUnstableRestarts() {
        RestartPolicy policy = new RestartPolicy(100, 2, 1_000);
        policy.afterCrash(10);
        policy.afterCrash(10);
        RestartPolicy.Decision afterStableRun = policy.afterCrash(5_000);
        assertFalse(afterStableRun.errored());
        assertEquals(0, afterStableRun.unstableRestarts());
        assertFalse(policy.afterCrash(10).errored());
    }

    @Test
    void thirtySecondsOfUptimeResetsTheBackOffButAShortStableRunDoesNot() {
        RestartPolicy policy = new RestartPolicy(100, 100, 1_000);
        policy.afterCrash(10);
        policy.afterCrash(10);
        assertEquals(225, policy.afterCrash(2_000).delayMs());
        assertEquals(100, policy.afterCrash(RestartPolicy.STABLE_UPTIME_MS).delayMs());
    }

    @Test
    void resetByTheUserStartsAfresh() {
        RestartPolicy policy = new RestartPolicy(100, 1, 1_000);
        policy.afterCrash(10);
        policy.reset();
        RestartPolicy.Decision d = policy.afterCrash(10);
        assertFalse(d.errored());
        assertEquals(100, d.delayMs());
    }
}
