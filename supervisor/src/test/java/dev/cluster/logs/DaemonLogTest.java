package dev.cluster.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's own log kept under its size, on a real file written through an appending descriptor as the CLI opens it. */
class DaemonLogTest {
    @TempDir
    Path dir;

    @Test
    void pastItsSizeTheLogIsCopiedAsideAtALineStartAndEmptiedKeepingTheNewestCopies() throws Exception {
        Path file = dir.resolve("daemon.log");
        List<String> written = new ArrayList<>();
        try (FileChannel fd = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
             PrintStream log = new PrintStream(new DaemonLog(file, file, fd, 1000, 2), true, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 100; i++) {
                String line = "2026-12-03T17:00:00.000Z WARN web:0 blocked 150 ms at line " + i; // ~60 bytes
                log.print(line.substring(0, 20)); // a line in two writes is never split across files
                log.println(line.substring(20));
                written.add(line);
            }
        }

        List<Path> copies = LogFiles.rotated(file);
        assertEquals(2, copies.size(), copies.toString());
        List<String> kept = new ArrayList<>();
        for (Path p : copies) {
            assertTrue(Files.size(p) < 1000 + 100, p + ": " + Files.size(p));
            kept.addAll(Files.readAllLines(p));
        }
        List<String> current = Files.readAllLines(file);
        assertTrue(Files.size(file) < 1000 + 100);
        assertTrue(current.get(0).endsWith("daemon.log passed 1000: the lines before this are in " + copies.get(1).getFileName()), current.get(0));
        kept.addAll(current);
        kept.removeIf(line -> line.contains("DaemonLog - daemon.log passed"));
        assertEquals(written.subList(written.size() - kept.size(), written.size()), kept, "the newest lines, whole and in order");
        assertTrue(kept.size() > 30, "two copies and the current file hold ~3 KB: " + kept.size());
    }
}
