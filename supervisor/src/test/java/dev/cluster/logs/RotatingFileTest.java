package dev.cluster.logs;

import dev.cluster.protocol.LogSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotatingFileTest {
    @TempDir
    Path dir;

    private static byte[] line(int n) {
        return String.format("line-%06d%n", n).getBytes(StandardCharsets.US_ASCII);
    }

    private static void append(RotatingFile file, int from, int to) {
        for (int n = from; n < to; n++) {
            byte[] line = line(n);
            file.append(line, line.length);
        }
        file.flush();
    }

    /** Every line of the file and its rotated files, oldest first, gzipped ones read through gunzip. */
    private static List<String> allLines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path p : LogFiles.rotated(file)) {
            try (InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(p)) : Files.newInputStream(p)) {
                lines.addAll(new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().toList());
            }
        }
        lines.addAll(Files.readAllLines(file));
        return lines;
    }

    @Test
    void rotatesBeforeALineWouldPassTheLimitSoNoFileIsOverItAndNoLineIsSplit() throws Exception {
        Path path = dir.resolve("web-0-out.log");
        RotatingFile file = new RotatingFile(path, new LogSpec(1000, false, 100, false, null, false, null), "web", Runnable::run, new RotatingFile.Batch());
        append(file, 0, 500); // 12 bytes a line: 83 whole lines fit in 1000 bytes
        file.close();
        List<Path> rotated = LogFiles.rotated(path);
        assertEquals(500 * 12 / 996, rotated.size(), rotated.toString());
        for (Path p : rotated) {
            assertEquals(996, Files.size(p), p.toString());
        }
        List<String> lines = allLines(path);
        assertEquals(500, lines.size());
        for (int n = 0; n < 500; n++) {
            assertEquals(String.format("line-%06d", n), lines.get(n));
        }
    }

    /**
     * With --log-compress the oldest files are pruned on the gzip's thread, after each gzip, never while one renames and
     * deletes in the directory: a listing made meanwhile can miss a file (a verify once kept four of --log-keep 3).
     */
    @Test
    void withCompressionThePruneWaitsForTheGzipsThread() throws Exception {
        Path path = dir.resolve("api-all-out.log");
        List<Runnable> queued = new ArrayList<>();
        RotatingFile file = new RotatingFile(path, new LogSpec(120, false, 3, true, null, true, null), "api", queued::add, new RotatingFile.Batch());
        append(file, 0, 50); // 10 lines a file: 4 rotations
        assertEquals(4, LogFiles.rotated(path).size(), "nothing pruned on the log thread: " + LogFiles.rotated(path));
        queued.forEach(Runnable::run);
        file.close();
        List<Path> rotated = LogFiles.rotated(path);
        assertEquals(3, rotated.size(), rotated.toString());
        assertTrue(rotated.stream().allMatch(p -> p.toString().endsWith(".gz")), rotated.toString());
    }

    @Test
    void keepsTheNewestRotatedFilesOnlyAndGzipsThem() throws Exception {
        Path path = dir.resolve("web-all-err.log");
        RotatingFile file = new RotatingFile(path, new LogSpec(120, false, 3, true, null, true, null), "web", Runnable::run, new RotatingFile.Batch());
        append(file, 0, 1000); // 10 lines a file: 99 rotations, many within one millisecond
        file.close();
        List<Path> rotated = LogFiles.rotated(path);
        assertEquals(3, rotated.size(), rotated.toString());
        assertTrue(rotated.stream().allMatch(p -> p.toString().endsWith(".gz")), rotated.toString());
        List<String> lines = allLines(path);
        assertEquals("line-000960", lines.get(0), "the three newest rotated files and the current one");
        assertEquals("line-000999", lines.get(lines.size() - 1));
        assertEquals(40, lines.size());
    }

    @Test
    void keepZeroDeletesWhatIsRotatedAndDailyRotationSkipsAnEmptyFile() throws Exception {
        Path path = dir.resolve("a-0-out.log");
        RotatingFile file = new RotatingFile(path, new LogSpec(0, true, 0, false, null, false, null), "web", Runnable::run, new RotatingFile.Batch());
        append(file, 0, 10);
        file.rotateIfNotEmpty();
        assertEquals(List.of(), LogFiles.rotated(path));
        assertEquals(0, Files.size(path));
        file.rotateIfNotEmpty();
        append(file, 10, 11);
        file.close();
        assertEquals(List.of("line-000010"), Files.readAllLines(path));
    }

    @Test
    void aFileEmptiedByFlushIsWrittenFromItsStartAndRotatedByItsRealSize() throws Exception {
        Path path = dir.resolve("a-0-out.log");
        RotatingFile file = new RotatingFile(path, new LogSpec(1000, false, 5, false, null, false, null), "web", Runnable::run, new RotatingFile.Batch());
        append(file, 0, 80);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(0); // what 'cluster flush' does
        }
        append(file, 80, 100);
        assertEquals(List.of(), LogFiles.rotated(path), "20 lines after the flush are far from the limit");
        assertEquals(20 * 12, Files.size(path), "no hole of zeros where the old lines were");
        file.close();
    }

    /** An rm of the file (to free disk space), or a move by a logrotate without copytruncate: the next lines go to a new file there. */
    @Test
    void aFileDeletedOrMovedAwayWhileWrittenIsMadeAgain() throws Exception {
        Path path = dir.resolve("a-0-out.log");
        RotatingFile file = new RotatingFile(path, new LogSpec(0, false, 5, false, null, false, null), "web", Runnable::run, new RotatingFile.Batch());
        append(file, 0, 3);
        Files.delete(path);
        append(file, 3, 5);
        assertEquals(List.of("line-000003", "line-000004"), Files.readAllLines(path));
        Path moved = dir.resolve("a-0-out.log.1");
        Files.move(path, moved);
        append(file, 5, 6);
        assertEquals(List.of("line-000003", "line-000004"), Files.readAllLines(moved), "the moved file is left as it was");
        assertEquals(List.of("line-000005"), Files.readAllLines(path));
        file.close();
    }
}
