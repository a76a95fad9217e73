package dev.cluster.logs;

import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.LogSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private static AppSpec spec(String name, boolean merge) {
        return AppSpec.builder().name(name).command(List.of("true")).cwd("/").instances(2)
                .logs(new LogSpec(LogSpec.DEFAULT_MAX_BYTES, false, 1, false, null, merge, null)).build();
    }

    @Test
    void listsFilesByAppIdAndStreamWithMergedOnesUnderAll() throws Exception {
        LogFiles logs = new LogFiles(dir);
        AppSpec web = spec("web", false);
        AppSpec app2 = spec("my-app-2", false);
        AppSpec merged = spec("api-7", true);
        for (Path p : List.of(logs.file(web, 1, true), logs.file(web, 1, false), logs.file(app2, 10, false), logs.file(merged, 3, false),
                dir.resolve("daemon.log"), dir.resolve("web-1-out.log.20261126-120000.000.gz"))) {
            Files.createFile(p);
        }
        assertEquals(dir.resolve("api-7-all-out.log"), logs.file(merged, 0, false));
        List<LogFiles.LogFile> files = logs.list();
        assertEquals(4, files.size(), files.toString());
        assertEquals(new LogFiles.LogFile("api-7", -1, false, logs.file(merged, 0, false)), files.get(0));
        assertEquals(new LogFiles.LogFile("my-app-2", 10, false, logs.file(app2, 10, false)), files.get(1));
        assertEquals(new LogFiles.LogFile("web", 1, false, logs.file(web, 1, false)), files.get(2));
        assertEquals(new LogFiles.LogFile("web", 1, true, logs.file(web, 1, true)), files.get(3));
        assertEquals("api-7|all", files.get(0).label());
        assertEquals(List.of(dir.resolve("web-1-out.log.20261126-120000.000.gz")), LogFiles.rotated(logs.file(web, 1, false)));
    }

    @Test
    void aTargetNamesTheFilesOfItsWorkersAndAMergedFileForAnyOfItsWorkers() {
        LogFiles.LogFile own = new LogFiles.LogFile("web", 1, false, dir.resolve("web-1-out.log"));
        LogFiles.LogFile merged = new LogFiles.LogFile("api", -1, false, dir.resolve("api-all-out.log"));
        for (String target : new String[] {null, "all", "web", "web:1", "1"}) {
            assertTrue(own.matches(target), target);
        }
        for (String target : new String[] {"web:0", "0", "api", "web-1", "api:1"}) {
            assertFalse(own.matches(target), target);
        }
        for (String target : new String[] {"api", "api:0", "api:5", "3", "all"}) {
            assertTrue(merged.matches(target), target);
        }
        for (String target : new String[] {"web", "web:0", "ap"}) {
            assertFalse(merged.matches(target), target);
        }
    }

    /** Many rotations in one millisecond, the oldest pruned as they go (daemon.log keeps 2): each copy's name sorts after every earlier one's. */
    @Test
    void rotatedNamesSortByAgeWithinOneMillisecondAndAPrunedNameDoesNotComeBack() throws Exception {
        Path file = dir.resolve("daemon.log");
        RotatedNames names = new RotatedNames(file);
        List<Path> given = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Path copy = names.next();
            Files.createFile(copy); // fails if a name came twice
            given.add(copy);
            LogFiles.prune(file, 2);
        }
        List<Path> sorted = new java.util.ArrayList<>(given);
        sorted.sort(java.util.Comparator.comparing(LogFiles::stem).thenComparing(p -> p.getFileName().toString()));
        assertEquals(given, sorted);
        assertEquals(given.subList(48, 50), LogFiles.rotated(file), "the two newest kept");
    }
}
