package dev.cluster.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogFollowerTest {
    @TempDir
    Path dir;

    private static void write(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aRotationLosesNoLineTheOldFileIsReadToItsEndThenTheNewOneFromItsStart() throws Exception {
        Path file = dir.resolve("web-0-out.log");
        write(file, "old\n");
        try (LogFollower follower = new LogFollower()) {
            assertEquals(List.of("old"), follower.start(file, 10));
            write(file, "a\nb\n");
            Files.move(file, dir.resolve("web-0-out.log.20261126-000000.000")); // rotated with lines not yet read
            write(file, "c\nhalf");
            List<String> seen = new ArrayList<>(follower.appended(file));
            assertEquals(List.of("a", "b", "c"), seen);
            write(file, " done\n");
            assertEquals(List.of("half done"), follower.appended(file));
        }
    }

    @Test
    void filesRotatedMoreThanOnceBetweenTwoReadsAreAllRead() throws Exception {
        Path file = dir.resolve("web-0-out.log");
        write(file, "1\n");
        try (LogFollower follower = new LogFollower()) {
            follower.start(file, 0);
            java.time.Instant rotatedAt = java.time.Instant.now();
            for (int n = 2; n <= 4; n++) {
                write(file, n + "\n");
                Files.move(file, LogFiles.rotatedName(file, rotatedAt.plusMillis(n))); // a name per rotation, in order
                write(file, "");
            }
            write(file, "5\n");
            assertEquals(List.of("2", "3", "4", "5"), follower.appended(file));
        }
    }

    @Test
    void aReadBetweenTheRenameAndTheNewFileLosesNothingLater() throws Exception {
        Path file = dir.resolve("web-0-out.log");
        write(file, "1\n");
        try (LogFollower follower = new LogFollower()) {
            follower.start(file, 0);
            java.time.Instant rotatedAt = java.time.Instant.now();
            write(file, "2\n");
            Files.move(file, LogFiles.rotatedName(file, rotatedAt));
            assertEquals(List.of("2"), follower.appended(file), "the name is missing for a moment");
            write(file, "3\n");
            Files.move(file, LogFiles.rotatedName(file, rotatedAt.plusSeconds(1))); // rotated after that read
            write(file, "4\n");
            assertEquals(List.of("3", "4"), follower.appended(file));
            write(file, "5\n");
            assertEquals(List.of("5"), follower.appended(file));
        }
    }

    @Test
    void anEmptiedFileIsReadFromItsStartAndADeletedOneGivesNothing() throws Exception {
        Path file = dir.resolve("web-0-out.log");
        write(file, "one\ntwo\n");
        try (LogFollower follower = new LogFollower()) {
            follower.start(file, 0);
            Files.writeString(file, "x\n", StandardOpenOption.TRUNCATE_EXISTING);
            assertEquals(List.of("x"), follower.appended(file));
            Files.delete(file);
            assertEquals(List.of(), follower.appended(file));
            write(file, "new\n");
            assertEquals(List.of("new"), follower.appended(file));
        }
    }
}
