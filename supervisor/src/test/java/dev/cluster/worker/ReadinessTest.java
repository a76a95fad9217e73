package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReadinessTest {
    private static final AppSpec AUTO = AppSpec.builder().name("web").cwd("/").jar("/app.jar").build();

    @Test
    void autoWaitsFiveTimesTheSlowestRecentStartWithinItsBounds() {
        Readiness readiness = new Readiness();
        assertEquals(Readiness.FIRST_MS, readiness.waitMs(AUTO), "before any start");
        readiness.started(900);
        assertEquals(Readiness.FLOOR_MS, readiness.waitMs(AUTO), "a one-second app: the floor");
        readiness.started(12_000); // Spring Boot on a busy machine
        assertEquals(60_000, readiness.waitMs(AUTO));
        assertEquals("1m (auto: 5 x its slowest recent start of 12s, at least 10s; --listen-timeout sets it)", readiness.describe(AUTO));
        for (int i = 0; i < Readiness.KEPT; i++) {
            readiness.started(1_000);
        }
        assertEquals(Readiness.FLOOR_MS, readiness.waitMs(AUTO), "only the last starts count");
        readiness.started(10 * 60_000);
        assertEquals(Readiness.CEILING_MS, readiness.waitMs(AUTO));
    }

    @Test
    void anExplicitListenTimeoutWins() {
        Readiness readiness = new Readiness();
        readiness.started(12_000);
        AppSpec fixed = AUTO.toBuilder().listenTimeoutMs(3_000L).build();
        assertEquals(3_000, readiness.waitMs(fixed));
        assertEquals("the listen timeout of 3000 ms", readiness.describe(fixed));
        assertEquals(0, readiness.waitMs(AUTO.toBuilder().listenTimeoutMs(0L).build()));
    }
}
