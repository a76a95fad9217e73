package dev.cluster.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workers' log files: {@code <app>-<id>-out.log} and {@code <app>-<id>-err.log} in one
 * directory. App names are validated before they get here (letters, digits, '.', '_', '-'), so a
 * name can never point outside it.
 */
public final class LogFiles {
    private static final Pattern NAME = Pattern.compile("(.+)-(\\d+)-(out|err)\\.log");

    private final Path dir;

    public LogFiles(Path dir) {
        this.dir = dir;
    }

    public Path out(String app, int id) {
        return dir.resolve(app + "-" + id + "-out.log");
    }

    public Path err(String app, int id) {
        return dir.resolve(app + "-" + id + "-err.log");
    }

    /** One worker's log file, as found on disk. */
    public record LogFile(String app, int id, boolean err, Path path) {
        /** Whether a TARGET ({@code all}, an app, {@code app:id}, a bare id; null for all) names this file's worker. */
        public boolean matches(String target) {
            return target == null || target.equals("all") || target.equals(app) || target.equals(app + ":" + id)
                    || target.equals(Integer.toString(id));
        }
    }

    /** Every log file in the directory, ordered by app, worker id, then out before err. */
    public List<LogFile> list() throws IOException {
        List<LogFile> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.log")) {
            for (Path p : stream) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    files.add(new LogFile(m.group(1), Integer.parseInt(m.group(2)), m.group(3).equals("err"), p));
                }
            }
        }
        files.sort(Comparator.comparing(LogFile::app).thenComparingInt(LogFile::id).thenComparing(LogFile::err));
        return files;
    }

    /**
     * The last {@code n} lines of a file from byte {@code from} on, reading at most the last 256 KB,
     * so a huge log costs no more than a small one.
     */
    public static List<String> tail(Path file, long from, int n) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long end = raf.length();
            long start = Math.max(from, end - 256 * 1024);
            if (start >= end) {
                return List.of();
            }
            byte[] bytes = new byte[(int) (end - start)];
            raf.seek(start);
            raf.readFully(bytes);
            List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n", -1)));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            if (start > from && !lines.isEmpty()) {
                lines.remove(0); // cut mid-line by the 256 KB window
            }
            return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return List.of();
        }
    }

    public static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
