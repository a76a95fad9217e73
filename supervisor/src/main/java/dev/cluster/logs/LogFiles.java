package dev.cluster.logs;

import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import dev.cluster.home.SafePaths;
import dev.cluster.protocol.AppSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workers' log files: {@code <app>-<id>-out.log} and {@code <app>-<id>-err.log} in one
 * directory, or with {@code --merge-logs} {@code <app>-all-out.log} and {@code <app>-all-err.log}
 * for every worker of the app. Rotated files keep the name and add the time they were rotated at
 * ({@code web-0-out.log.20261126-213000.123}, UTC, then {@code .gz}). App names are validated before
 * they get here (letters, digits, '.', '_', '-'), so a name can never point outside the directory.
 */
public final class LogFiles {
    static final String GZ = ".gz";
    static final String GZ_PARTIAL = ".gz.tmp";
    private static final Pattern NAME = Pattern.compile("(.+)-(\\d+|" + LogFile.MERGED + ")-(out|err)\\.log");

    private final Path dir;

    public LogFiles(Path dir) {
        this.dir = dir;
    }

    /** Where a standby's output goes until it becomes a worker. */
    public Path standbyFile(AppSpec spec, boolean err) {
        return dir.resolve(spec.name() + "-standby" + (err ? "-err.log" : "-out.log"));
    }

    /** The file worker {@code id}'s stdout (or stderr) goes to: its own, or with --merge-logs the app's. */
    public Path file(AppSpec spec, int id, boolean err) {
        String worker = spec.logs().merge() ? LogFile.MERGED : Integer.toString(id);
        return dir.resolve(spec.name() + "-" + worker + (err ? "-err.log" : "-out.log"));
    }

    /** One log file, as found on disk: one worker's, or ({@code id} -1) every worker's of the app. */
    public record LogFile(String app, int id, boolean err, Path path) {
        static final String MERGED = "all";

        public boolean merged() {
            return id < 0;
        }

        /** How {@code logs} and monit prefix its lines: {@code web|0}, or {@code web|all} for merged logs. */
        public String label() {
            return app + "|" + (merged() ? MERGED : Integer.toString(id));
        }

        /**
         * Whether a TARGET ({@code all}, an app, {@code app:id}, a bare id; null for all) names this
         * file's worker. A merged file holds every worker's lines, so any worker of its app names it.
         */
        public boolean matches(String target) {
            if (target == null || target.equals("all") || target.equals(app)) {
                return true;
            }
            if (target.startsWith(app + ":")) {
                return merged() || target.equals(app + ":" + id);
            }
            return merged() ? target.matches("\\d+") : target.equals(Integer.toString(id));
        }
    }

    /** Loaded at the first rotation: java.time's formatting costs an idle daemon memory for nothing. */
    private static final class Rotated {
        static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss.SSS").withZone(ZoneOffset.UTC);
    }

    /** The name a log file gets when rotated at {@code at} (in UTC, as every process agrees); the fixed width makes names sort by time. */
    static Path rotatedName(Path file, Instant at) {
        return file.resolveSibling(file.getFileName() + "." + Rotated.FORMAT.format(at));
    }

    /** What names one rotation: the rotated file's name without the {@code .gz} (or {@code .gz.tmp}) gzip adds. */
    static String stem(Path rotated) {
        String name = rotated.getFileName().toString();
        if (name.endsWith(GZ_PARTIAL)) {
            return name.substring(0, name.length() - GZ_PARTIAL.length());
        }
        return name.endsWith(GZ) ? name.substring(0, name.length() - GZ.length()) : name;
    }

    /**
     * The files rotated at or after {@code since}, one per rotation (plain, or gzipped if it is done),
     * oldest first: what a follower missed when a file was rotated more than once between two reads.
     */
    static List<Path> rotatedSince(Path file, Instant since) throws IOException {
        String first = rotatedName(file, since).getFileName().toString();
        Map<String, Path> byStem = new TreeMap<>();
        for (Path p : rotated(file)) {
            String stem = stem(p);
            if (stem.compareTo(first) >= 0 && !p.toString().endsWith(GZ_PARTIAL)) {
                byStem.merge(stem, p, (a, b) -> a.toString().endsWith(GZ) ? b : a); // the plain file while it exists
            }
        }
        return List.copyOf(byStem.values());
    }

    /** The rotated files of a log file, plain or gzipped, oldest first. */
    public static List<Path> rotated(Path file) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(file.getParent(), file.getFileName() + ".*")) {
            stream.forEach(found::add);
        }
        found.sort(Comparator.comparing(LogFiles::stem).thenComparing(p -> p.getFileName().toString())); // X-0001.gz after X.gz
        return found;
    }

    /** Deletes the rotated files of a log file beyond the newest {@code keep}: a file and its gzipped form count once. */
    static void prune(Path file, int keep) throws IOException {
        List<Path> rotated = rotated(file);
        TreeSet<String> stems = new TreeSet<>();
        rotated.forEach(p -> stems.add(stem(p)));
        while (stems.size() > keep) {
            String oldest = stems.pollFirst();
            for (Path p : rotated) {
                if (stem(p).equals(oldest)) {
                    Files.deleteIfExists(p);
                }
            }
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
                    int id = m.group(2).equals(LogFile.MERGED) ? -1 : Integer.parseInt(m.group(2));
                    files.add(new LogFile(m.group(1), id, m.group(3).equals("err"), p));
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
        try (FileChannel channel = SafePaths.open(file, StandardOpenOption.READ)) {
            long end = channel.size();
            long start = Math.max(from, end - 256 * 1024);
            if (start >= end) {
                return List.of();
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) (end - start));
            while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
                // read the window
            }
            byte[] bytes = Arrays.copyOf(buffer.array(), buffer.position());
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
