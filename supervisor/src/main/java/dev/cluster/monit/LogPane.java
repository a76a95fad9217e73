package dev.cluster.monit;

import dev.cluster.logs.LogFiles.LogFile;
import dev.cluster.logs.LogFiles;
import dev.cluster.logs.LogFollower;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The log pane's lines: what the selected worker (or every worker) writes, read from the log files
 * the supervisor keeps, so nothing is lost when monit starts late or reconnects. App output is made
 * harmless first: an app's escape sequences and control characters could otherwise move the
 * cursor, clear the screen or switch character sets under monit (PM2's monit crashes on such text).
 */
final class LogPane {
    private static final int KEEP = 1_000;
    private static final int BACKLOG = 200;
    /** CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ST), and the rest (ESC, intermediates, final: ESC ( 0, ESC 7). */
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-?]*[ -/]*[@-~]|\u001b\\][^\u0007\u001b]*(\u0007|\u001b\\\\)?|\u001b[ -/]*[0-~]?");
    private static final Pattern CONTROLS = Pattern.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f]");

    private final LogFiles files;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private LogFollower follower = new LogFollower();
    /** {@code app:id}, or null for every worker. */
    private String following = "";

    LogPane(LogFiles files) {
        this.files = files;
    }

    /** Reads what was appended; a new choice of worker starts over with its recent lines. Returns whether anything changed. */
    boolean poll(String worker) {
        boolean restart = worker == null ? following != null : !worker.equals(following);
        if (restart) {
            following = worker;
            follower.close();
            follower = new LogFollower();
            lines.clear();
        }
        List<LogFile> selected;
        try {
            selected = files.list().stream().filter(f -> f.matches(worker)).toList();
        } catch (IOException e) {
            return restart;
        }
        boolean changed = restart;
        for (LogFile f : selected) {
            List<String> appended = follower.follows(f.path()) ? follower.appended(f.path()) : follower.start(f.path(), BACKLOG);
            for (String line : appended) {
                add(f.label() + (f.err() ? "! " : "  ") + sanitise(line));
                changed = true;
            }
        }
        return changed;
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    private void add(String line) {
        lines.addLast(line);
        while (lines.size() > KEEP) {
            lines.removeFirst();
        }
    }

    /** The text of a line without escape sequences; tabs become spaces, other controls '?'. */
    static String sanitise(String line) {
        String text = ESCAPES.matcher(line).replaceAll("");
        return CONTROLS.matcher(text.replace('\t', ' ')).replaceAll("?");
    }
}
