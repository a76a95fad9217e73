package dev.cluster.logs;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogWriterTest {
    @Test
    void dailyRotationWaitsUntilLocalMidnightWhichADaylightSavingDayMoves() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        assertEquals(Duration.ofMinutes(90), LogWriter.untilMidnight(ZonedDateTime.of(2026, 11, 26, 22, 30, 0, 0, berlin)));
        // 29 March 2026 has 23 hours in Berlin: from 00:30 the next midnight is 22.5 hours away.
        assertEquals(Duration.ofMinutes(22 * 60 + 30), LogWriter.untilMidnight(ZonedDateTime.of(2026, 3, 29, 0, 30, 0, 0, berlin)));
    }
}
