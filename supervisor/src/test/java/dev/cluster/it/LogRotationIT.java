package dev.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cluster.logs.LogFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static dev.cluster.it.ClusterFixture.JAVA;
import static dev.cluster.it.ClusterFixture.TEST_CLASSES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor owns the workers' pipes and rotates their log files without losing or splitting a line. */
class LogRotationIT {
    private static final Pattern NUMBERED = Pattern.compile("0:(\\d{7})");

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    /** Lines seen, each number once; anything else (a split or doubled line) is recorded as a problem. */
    private static final class Tally {
        final BitSet seen = new BitSet();
        final List<String> problems = new ArrayList<>();
        final Set<String> others = new HashSet<>();

        void add(String line) {
            Matcher m = NUMBERED.matcher(line);
            if (m.matches()) {
                int n = Integer.parseInt(m.group(1));
                if (seen.get(n) && problems.size() < 10) {
                    problems.add("twice: " + line);
                }
                seen.set(n);
            } else if (line.equals("ready") || line.equals("done")) {
                others.add(line);
            } else if (problems.size() < 10) {
                problems.add("not a whole line: '" + line + "'");
            }
        }
    }

    private String[] printer(Path trigger, int count) {
        return new String[] {"--", JAVA, "-cp", TEST_CLASSES.toString(), LinePrinter.class.getName(), trigger.toString(), Integer.toString(count)};
    }

    private List<String> start(String name, int instances, Path trigger, int count, String... options) {
        List<String> args = new ArrayList<>(List.of("start", "--name", name, "-i", Integer.toString(instances),
                "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "1s"));
        args.addAll(List.of(options));
        args.addAll(List.of(printer(trigger, count)));
        cluster.ok(args.toArray(String[]::new));
        return args;
    }

    private static List<String> read(Path file) throws IOException {
        try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private static boolean contains(Path file, String line) {
        try {
            return Files.exists(file) && read(file).contains(line);
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aMillionLinesWhileFilesRotateEveryMegabyteAreEachInTheFilesOnceAndFollowedOnce() throws Exception {
        int count = 1_000_000;
        Path trigger = cluster.home().resolve("go");
        start("lines", 1, trigger, count, "--log-max-size", "1M", "--log-keep", "1000");
        Path out = cluster.home().resolve("logs/lines-0-out.log");
        ClusterFixture.await("the printer's ready line", Duration.ofSeconds(30), () -> contains(out, "ready"));

        Process follow = cluster.spawn("logs", "lines", "--out", "-f", "-n", "1");
        Tally followed = new Tally();
        AtomicInteger followedLines = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (followed) {
                        followed.add(line.substring(line.indexOf(' ') + 1)); // after the "lines|0 " prefix
                    }
                    followedLines.incrementAndGet();
                }
            } catch (IOException e) {
                // the follower was stopped
            }
        }, "logs-f-reader");
        reader.start();
        ClusterFixture.await("logs -f printing", Duration.ofSeconds(30), () -> followedLines.get() >= 1);

        Files.createFile(trigger);
        ClusterFixture.await("logs -f reaching the last line", Duration.ofSeconds(120), () -> {
            synchronized (followed) {
                return followed.others.contains("done");
            }
        });
        follow.destroy();
        reader.join(10_000);

        Tally files = new Tally();
        List<Path> rotated = LogFiles.rotated(out);
        for (Path p : rotated) {
            assertTrue(Files.size(p) <= 1 << 20, p + " is over 1M: " + Files.size(p));
            read(p).forEach(files::add);
        }
        read(out).forEach(files::add);
        assertTrue(rotated.size() >= 9, "10 MB in 1 MB files: " + rotated.size() + " rotated");
        assertEquals(List.of(), files.problems);
        assertEquals(count, files.seen.cardinality(), "lines in the files");
        assertEquals(count, files.seen.nextClearBit(1) - 1, "every number from 1 to " + count);
        assertEquals(List.of(), followed.problems);
        assertEquals(count, followed.seen.cardinality(), "lines logs -f printed across " + rotated.size() + " rotations");
        assertEquals(List.of("worker 0 says \"done\" \\ on\tstderr"), read(cluster.home().resolve("logs/lines-0-err.log")));
    }

    @Test
    void mergedJsonLinesWithTimesAreGzippedWhenRotatedKeptThreeDeepAndFlushed() throws Exception {
        Path trigger = cluster.home().resolve("go");
        Files.createFile(trigger);
        start("api", 2, trigger, 20_000, "--merge-logs", "--log-type", "json", "--log-date-format", "yyyy-MM-dd HH:mm:ss.SSS",
                "--log-max-size", "64K", "--log-compress", "--log-keep", "3");
        Path out = cluster.home().resolve("logs/api-all-out.log");
        Path err = cluster.home().resolve("logs/api-all-err.log");
        ObjectMapper json = new ObjectMapper();
        ClusterFixture.await("both workers' stderr line", Duration.ofSeconds(60), () -> {
            try {
                return Files.exists(err) && read(err).size() == 2;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            ClusterFixture.await("three gzipped rotated files", Duration.ofSeconds(30), () -> {
                try {
                    List<Path> rotated = LogFiles.rotated(out);
                    return rotated.size() == 3 && rotated.stream().allMatch(p -> p.toString().endsWith(".gz"));
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; there are " + LogFiles.rotated(out), e);
        }
        Set<Integer> ids = new HashSet<>();
        for (String line : read(err)) {
            JsonNode node = json.readTree(line);
            assertEquals("api", node.get("app").asText());
            assertEquals("err", node.get("stream").asText());
            assertTrue(node.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}"), line);
            assertEquals("worker " + node.get("id").asInt() + " says \"done\" \\ on\tstderr", node.get("message").asText());
            ids.add(node.get("id").asInt());
        }
        assertEquals(Set.of(0, 1), ids);
        for (Path p : LogFiles.rotated(out)) {
            for (String line : read(p)) {
                assertTrue(json.readTree(line).get("message").asText().matches("[01]:\\d{7}|ready|done"), line);
            }
        }
        String describe = cluster.ok("describe", "api:1").out();
        assertTrue(describe.contains(out.toString()) && describe.contains(err.toString()), describe);

        ClusterFixture.Result logs = cluster.ok("logs", "api:1", "--err", "-n", "5");
        assertEquals(2, logs.out().lines().filter(l -> l.startsWith("api|all {")).count(), logs.toString());

        ClusterFixture.Result flush = cluster.ok("flush", "api");
        assertTrue(flush.out().contains("and deleted 3 rotated one(s)"), flush.toString());
        assertEquals(List.of(), LogFiles.rotated(out));
    }

    @Test
    void badLogOptionsAreRefusedWithOneLineEach() {
        String port = Integer.toString(ClusterFixture.freePort());
        String[][] cases = {
                {"--log-type", "xml"}, {"--log-max-size", "100"}, {"--log-keep", "-1"}, {"--log-date-format", "yyyy-MM-dd {"},
                {"--log-max-size", "lots"},
        };
        String[] expected = {"--log-type takes 'text' or 'json'", "--log-max-size must be 0", "--log-keep must be a whole number from 0 to 10000",
                "--log-date-format 'yyyy-MM-dd {' is not a usable date pattern", "'lots' is not a size"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("start", "--name", "bad", "--port", port));
            args.addAll(List.of(cases[i]));
            args.addAll(List.of("--", "sleep", "60"));
            ClusterFixture.Result r = cluster.cluster(args.toArray(String[]::new));
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.exit() == 1 && r.err().contains(expected[i]), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
        }
    }

    @Test
    void theDaemonsOwnLogIsKeptUnderItsSize() throws Exception {
        Path log = cluster.home().resolve("daemon.log");
        byte[] old = ("2026-01-01T00:00:00.000Z INFO Old - a line of a daemon that ran for months " + "x".repeat(60) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        try (var out = Files.newOutputStream(log)) {
            for (long written = 0; written <= 10L << 20; written += old.length) {
                out.write(old);
            }
        }
        cluster.ok("ping"); // starts the daemon, whose first line finds the log past 10 MB

        List<Path> copies = LogFiles.rotated(log);
        assertEquals(1, copies.size(), copies.toString());
        assertTrue(Files.size(copies.get(0)) > 10L << 20, "the old lines, copied aside whole");
        String now = cluster.daemonLog();
        assertTrue(now.startsWith(now.substring(0, 24) + " INFO DaemonLog - daemon.log passed 10M: the lines before this are in "
                + copies.get(0).getFileName() + "\n"), now);
        assertTrue(now.contains(" listening on "), now);
        assertFalse(now.contains("Old - a line"), "emptied, not appended to");
    }
}
