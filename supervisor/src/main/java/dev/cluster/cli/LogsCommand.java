package dev.cluster.cli;

import dev.cluster.daemon.Home;
import dev.cluster.logs.LogFiles.LogFile;
import dev.cluster.logs.LogFiles;
import dev.cluster.view.Terminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Reads the log files directly (no daemon needed): the last lines of each worker's files, then with
 * {@code -f} whatever is appended, across restarts, and including workers that appear later.
 */
@Command(name = "logs", description = "Show worker output, prefixed 'app|id'; -f follows it.")
final class LogsCommand implements Callable<Integer> {
    private static final long FOLLOW_POLL_MS = 200;

    @Parameters(arity = "0..1", paramLabel = "APP|APP:ID|ID", description = "Whose logs (default: all).")
    String target;

    @Option(names = {"-n", "--lines"}, defaultValue = "15", description = "Lines to show from each file first (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until interrupted.")
    boolean follow;

    @Option(names = "--err", description = "Only stderr.")
    boolean errOnly;

    @Option(names = "--out", description = "Only stdout.")
    boolean outOnly;

    private final Map<Path, Long> positions = new HashMap<>();
    private final boolean colour = Terminal.colour();
    private final PrintStream out = System.out;

    @Override
    public Integer call() throws IOException {
        if (lines < 0) {
            throw new UserError("-n must not be negative (got " + lines + ")");
        }
        LogFiles logs = new LogFiles(Home.fromEnvironment().logs());
        List<LogFile> files = selected(logs);
        if (files.isEmpty() && !follow) {
            throw new UserError("no logs" + (target == null ? "" : " for '" + target + "'") + " in " + Home.fromEnvironment().logs()
                    + ": see 'cluster list' for app names and ids");
        }
        for (LogFile file : files) {
            LogFiles.tail(file.path(), 0, lines).forEach(line -> print(file, line));
            positions.put(file.path(), LogFiles.size(file.path()));
        }
        out.flush();
        while (follow) {
            for (LogFile file : selected(logs)) {
                printAppended(file);
            }
            out.flush();
            ControlClient.sleep(FOLLOW_POLL_MS);
        }
        return 0;
    }

    private List<LogFile> selected(LogFiles logs) throws IOException {
        return logs.list().stream()
                .filter(f -> !(errOnly && !f.err()) && !(outOnly && f.err()))
                .filter(this::matches)
                .toList();
    }

    private boolean matches(LogFile f) {
        if (target == null || target.equals("all") || target.equals(f.app())) {
            return true;
        }
        if (target.equals(f.app() + ":" + f.id())) {
            return true;
        }
        return target.equals(Integer.toString(f.id()));
    }

    /** Prints complete lines appended since last time; a file that shrank was replaced, so it is read from the start. */
    private void printAppended(LogFile file) throws IOException {
        long position = positions.getOrDefault(file.path(), 0L);
        try (RandomAccessFile raf = new RandomAccessFile(file.path().toFile(), "r")) {
            long length = raf.length();
            if (length < position) {
                position = 0;
            }
            if (length == position) {
                positions.put(file.path(), position);
                return;
            }
            byte[] bytes = new byte[(int) Math.min(length - position, 4 * 1024 * 1024)];
            raf.seek(position);
            raf.readFully(bytes);
            int end = lastNewline(bytes);
            if (end < 0) {
                positions.put(file.path(), position); // wait for the rest of the line
                return;
            }
            String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
            for (String line : text.split("\n", -1)) {
                print(file, line);
            }
            positions.put(file.path(), position + end + 1);
        } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
            positions.remove(file.path());
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void print(LogFile file, String line) {
        String prefix = file.app() + "|" + file.id();
        String colourCode = Terminal.PALETTE[Math.floorMod((file.app() + file.id()).hashCode(), Terminal.PALETTE.length)];
        String body = file.err() ? Terminal.paint(colour, Terminal.RED, line) : line;
        out.println(Terminal.paint(colour, colourCode, prefix) + " " + body);
    }
}
