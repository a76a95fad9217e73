package dev.cluster.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogFilesTest {
    @TempDir
    Path dir;

    @Test
    void tailReturnsTheLastLinesAfterAnOffset() throws Exception {
        Path file = dir.resolve("a-0-err.log");
        Files.writeString(file, "old run\n");
        long offset = Files.size(file);
        Files.writeString(file, "one\ntwo\nthree\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(List.of("two", "three"), LogFiles.tail(file, offset, 2));
        assertEquals(List.of("one", "two", "three"), LogFiles.tail(file, offset, 20));
        assertEquals(List.of(), LogFiles.tail(dir.resolve("missing"), 0, 5));
    }

    @Test
    void aHugeFileCostsOnlyItsLastWindowAndNoPartialLine() throws Exception {
        Path file = dir.resolve("a-0-out.log");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(file, text);
        List<String> tail = LogFiles.tail(file, 0, 100_000);
        assertEquals("line 99999", tail.get(tail.size() - 1));
        assertEquals(true, tail.get(0).matches("line \\d+"));
    }

    @Test
    void listsFilesByAppIdAndStream() throws Exception {
        LogFiles logs = new LogFiles(dir);
        for (Path p : List.of(logs.err("web", 1), logs.out("web", 1), logs.out("my-app-2", 10), dir.resolve("daemon.log"))) {
            Files.createFile(p);
        }
        List<LogFiles.LogFile> files = logs.list();
        assertEquals(3, files.size());
        assertEquals(new LogFiles.LogFile("my-app-2", 10, false, logs.out("my-app-2", 10)), files.get(0));
        assertEquals(new LogFiles.LogFile("web", 1, false, logs.out("web", 1)), files.get(1));
        assertEquals(new LogFiles.LogFile("web", 1, true, logs.err("web", 1)), files.get(2));
    }
}
