package dev.cluster.cli;

import dev.cluster.view.Untrusted;
import dev.cluster.logs.LogFiles.LogFile;
import dev.cluster.logs.LogFiles;
import dev.cluster.logs.LogFollower;
import dev.cluster.view.Terminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
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

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "15", description = "Lines to show from each file first (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until interrupted.")
    boolean follow;

    @Option(names = "--err", description = "Only stderr.")
    boolean errOnly;

    @Option(names = "--out", description = "Only stdout.")
    boolean outOnly;

    @Option(names = "--json", description = "One JSON object per line, {\"app\",\"id\",\"stream\",\"message\"}, for scripts and jq.")
    boolean json;

    private final LogFollower follower = new LogFollower();
    private final boolean colour = Terminal.colour();
    private final boolean terminal = System.console() != null;
    private final PrintStream out = System.out;

    @Override
    public Integer call() throws IOException {
        if (lines < 0) {
            throw new UserError("-n must not be negative (got " + lines + ")");
        }
        LogFiles logs = new LogFiles(ControlClient.verifiedHome().logs());
        List<LogFile> files = selected(logs);
        if (files.isEmpty() && !follow) {
            throw new UserError("no logs" + (target == null ? "" : " for '" + target + "'") + " in " + ControlClient.verifiedHome().logs()
                    + ": see 'cluster list' for app names and ids");
        }
        for (LogFile file : files) {
            follower.start(file.path(), lines).forEach(line -> print(file, line));
        }
        out.flush();
        while (follow) {
            for (LogFile file : selected(logs)) {
                follower.appended(file.path()).forEach(line -> print(file, line));
            }
            out.flush();
            ControlClient.sleep(FOLLOW_POLL_MS);
        }
        return 0;
    }

    private List<LogFile> selected(LogFiles logs) throws IOException {
        return logs.list().stream()
                .filter(f -> !(errOnly && !f.err()) && !(outOnly && f.err()))
                .filter(f -> f.matches(target))
                .toList();
    }

    private void print(LogFile file, String line) {
        if (json) {
            out.println(jsonLine(file, line));
            return;
        }
        String prefix = file.label();
        String colourCode = Terminal.PALETTE[Math.floorMod(prefix.hashCode(), Terminal.PALETTE.length)];
        // On a terminal a worker's line cannot move the cursor, clear the screen or retitle it; it keeps its
        // colours unless NO_COLOR. Into a pipe or a file it goes as written.
        String shown = colour ? Untrusted.keepingColours(line) : terminal ? Untrusted.escape(line, Integer.MAX_VALUE) : line;
        String body = file.err() ? Terminal.paint(colour, Terminal.RED, shown) : shown;
        out.println(Terminal.paint(colour, colourCode, prefix) + " " + body);
    }

    /**
     * A line as one JSON object. The lines of a {@code --log-type json} app are objects already, with
     * the time: they go as written. Either way every character a terminal acts on ({@link
     * Untrusted#actsOnATerminal}) and every format character is a {@code \\uXXXX} escape: valid JSON, and
     * nothing that can move a terminal's cursor or text.
     */
    static String jsonLine(LogFile file, String line) {
        if (line.startsWith("{\"time\":\"") && line.endsWith("\"}") && line.contains("\",\"app\":\"" + file.app() + "\",\"id\":")) {
            return escaped(line, false);
        }
        return "{\"app\":\"" + file.app() + "\",\"id\":" + (file.merged() ? "null" : Integer.toString(file.id())) + ",\"stream\":\""
                + (file.err() ? "err" : "out") + "\",\"message\":\"" + escaped(line, true) + "\"}";
    }

    private static String escaped(String text, boolean quoted) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Untrusted.actsOnATerminal(c) || Character.getType(c) == Character.FORMAT) { // FORMAT: also the bidi marks and zero-width ones
                out.append(String.format("\\u%04x", (int) c));
            } else if (quoted && (c == '"' || c == '\\')) {
                out.append('\\').append(c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
