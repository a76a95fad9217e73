package dev.cluster.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {
    @Test
    void parsesUnitsAndBareMilliseconds() {
        assertEquals(250, Durations.parseMillis("250"));
        assertEquals(250, Durations.parseMillis("250ms"));
        assertEquals(5_000, Durations.parseMillis("5s"));
        assertEquals(120_000, Durations.parseMillis("2m"));
        assertEquals(3_600_000, Durations.parseMillis("1h"));
    }

    @Test
    void rejectsNonsenseWithAHint() {
        for (String bad : new String[] {"5x", "-1s", "", "1.5s", "s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(bad));
            assertEquals(true, e.getMessage().contains("500ms"), e.getMessage());
        }
    }

    @Test
    void formatsForHumans() {
        assertEquals("999ms", Durations.format(999));
        assertEquals("1.5s", Durations.format(1_500));
        assertEquals("5s", Durations.format(5_000));
        assertEquals("1m30s", Durations.format(90_000));
        assertEquals("2h", Durations.format(7_200_000));
        assertEquals("1d1h", Durations.format(90_000_000));
    }
}
