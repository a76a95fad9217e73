package dev.cluster.monit;

import dev.cluster.config.Durations;
import dev.cluster.monit.MonitModel.Column;
import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.view.WorkerTable;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Draws monit's screen from the model: exactly {@code rows} lines, none wider than {@code cols}.
 * A pure function of its inputs, so tests draw a fixed cluster into any size without a terminal;
 * JLine's {@code Display} then sends the terminal only the lines that changed.
 */
final class MonitScreen {
    static final String KEYS = "↑↓ select  r restart  R reload  s stop  p profile  l logs  / filter  ? help  q quit";
    static final List<String> HELP = List.of(
            "cluster monit: the whole cluster, live (a frame a second from the supervisor)",
            "",
            "  ↑ ↓  j k     select a worker (in the log pane: scroll the logs)",
            "  Tab          switch between the worker table and the log pane",
            "  r            restart the selected worker",
            "  R            reload the selected worker's app, one worker at a time (asks first)",
            "  s            stop the selected worker (asks first)",
            "  p            profile the selected worker for 10 s: a flame graph (SVG) in the current directory",
            "  l            logs of the selected worker, or of all workers",
            "  /            show only apps whose name contains a text (empty: all)",
            "  < >          sort by the previous / next column;  o  reverse the order",
            "  ?            this help;  q or Ctrl-C  quit",
            "",
            "  LAG: event-loop lag over the last 10 s (p50, p99, max of every loop's probes merged).",
            "  A row in red: ! after P99, its p99 is above the app's --lag-threshold; ! after MAX,",
            "  a loop blocked longer than --block-threshold in those 10 s (the stall is shown below).",
            "  Sparklines: the last minutes, right-most is now; each point is one second's report.",
            "  live: heap in use after GC, CLIMBING when it rises steadily (a leak?); pools: busy/max+waiting,",
            "  FULL when at the maximum with work waiting for 5 s or more.",
            "",
            "press any key to go back");
    private static final char[] BARS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};
    /** Dropped in this order when the terminal is too narrow for every column. */
    private static final List<Column> DROP_ORDER = List.of(Column.P50, Column.RESTARTS, Column.HEAP, Column.UPTIME, Column.PID);
    private static final int APP_MIN = 6;
    private static final int DETAIL_LINES = 8;
    /** What the lag columns cover (the supervisor's list window). */
    private static final long WINDOW_MS = 10_000;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final boolean colour;

    MonitScreen(boolean colour) {
        this.colour = colour;
    }

    /**
     * @param logs   the log pane's lines, newest last, already sanitised
     * @param footer the bottom line: a prompt, a message, or null for the key summary
     */
    List<AttributedString> render(MonitModel model, List<String> logs, String footer, boolean help, long nowMs, int cols, int rows) {
        List<AttributedString> lines = new ArrayList<>();
        lines.add(header(model, nowMs, cols));
        int body = rows - 2; // header and footer
        if (help) {
            HELP.stream().limit(body).forEach(h -> lines.add(fit(new AttributedString(h), cols)));
        } else if (model.down != null && model.frame == null) {
            lines.add(fit(new AttributedString(model.down, style(AttributedStyle.YELLOW).bold()), cols));
        } else {
            List<WorkerInfo> workers = model.rows();
            boolean roomy = body >= 14;
            int detail = roomy ? DETAIL_LINES : 0;
            // The table first (every worker if it fits), then the detail, and the logs get what is left, at least 4 lines.
            int logLines = roomy ? Math.max(4, body - 1 - Math.max(1, workers.size()) - detail - 1) : 0;
            int tableRows = Math.max(1, body - 1 - detail - (logLines > 0 ? logLines + 1 : 0));
            table(lines, model, workers, cols, tableRows, nowMs);
            if (detail > 0) {
                detail(lines, model, cols, nowMs);
            }
            if (logLines > 0) {
                logs(lines, model, logs, cols, logLines);
            }
        }
        while (lines.size() < rows - 1) {
            lines.add(AttributedString.EMPTY);
        }
        lines.subList(rows - 1, lines.size()).clear();
        lines.add(fit(new AttributedString(footer == null ? KEYS : footer, footer == null ? AttributedStyle.DEFAULT.faint() : AttributedStyle.BOLD), cols));
        return lines;
    }

    private AttributedString header(MonitModel model, long nowMs, int cols) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        b.style(AttributedStyle.BOLD).append("monit").style(AttributedStyle.DEFAULT);
        Response frame = model.frame;
        if (frame != null && frame.daemon() != null) {
            List<WorkerInfo> all = model.workers();
            long online = all.stream().filter(w -> w.state().equals("online")).count();
            long standbys = all.stream().filter(w -> w.id() < 0).count(); // not workers: counted apart
            long apps = all.stream().map(WorkerInfo::app).distinct().count();
            double cpu = all.stream().mapToDouble(w -> w.cpu() == null ? 0 : w.cpu()).sum();
            long rss = all.stream().mapToLong(w -> w.rssBytes() == null ? 0 : w.rssBytes()).sum();
            LagSummary lag = frame.lag() == null ? LagSummary.NONE : frame.lag();
            b.append("  up ").append(Durations.format(frame.daemon().uptimeMs()))
                    .append("  ").append(apps + (apps == 1 ? " app" : " apps"))
                    .append("  ").append(online + "/" + (all.size() - standbys) + " online" + (standbys > 0 ? " +" + standbys + " standby" : ""))
                    .append("  lag p99 ").append(lag.samples() > 0 ? WorkerTable.millis(lag.p99Ms()) : "-")
                    .append(" max ").append(lag.samples() > 0 ? WorkerTable.millis(lag.maxMs()) : "-")
                    .append("  cpu ").append(WorkerTable.percent(cpu))
                    .append("  mem ").append(WorkerTable.bytes(rss));
        }
        if (model.down != null) {
            b.append("  ");
            b.style(style(AttributedStyle.YELLOW).bold()).append("[disconnected: reconnecting]").style(AttributedStyle.DEFAULT);
        }
        if (!model.filter.isEmpty()) {
            b.append("  filter: ").append(model.filter);
        }
        String time = CLOCK.format(LocalTime.ofInstant(Instant.ofEpochMilli(nowMs), ZoneId.systemDefault()));
        int used = b.columnLength();
        if (used + 2 + time.length() <= cols) {
            b.append(" ".repeat(cols - used - time.length())).append(time);
        }
        return fit(b.toAttributedString(), cols);
    }

    private void table(List<AttributedString> lines, MonitModel model, List<WorkerInfo> workers, int cols, int tableRows, long nowMs) {
        List<String[]> cells = new ArrayList<>();
        for (WorkerInfo w : workers) {
            cells.add(cells(w, stalledRecently(w, nowMs)));
        }
        Column[] columns = Column.values();
        int[] width = new int[columns.length];
        for (Column c : columns) {
            width[c.ordinal()] = c.label.length() + 1; // room for the sort arrow
        }
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        Set<Column> shown = EnumSet.allOf(Column.class);
        int appWidth = width[Column.APP.ordinal()];
        for (Column drop : DROP_ORDER) {
            if (total(width, shown) - appWidth + APP_MIN <= cols) {
                break; // shortening the app names is enough
            }
            shown.remove(drop);
        }
        width[Column.APP.ordinal()] = Math.max(APP_MIN, Math.min(appWidth, cols - (total(width, shown) - appWidth)));

        AttributedStringBuilder head = new AttributedStringBuilder().style(AttributedStyle.DEFAULT.inverse());
        for (Column c : shown) {
            String label = c.label + (c == model.sort ? (model.descending ? "▼" : "▲") : "");
            head.append(cell(label, width[c.ordinal()], numeric(c))).append(" ");
        }
        lines.add(fit(pad(head, cols), cols));

        int selectedAt = 0;
        for (int i = 0; i < workers.size(); i++) {
            if (MonitModel.key(workers.get(i)).equals(model.selected)) {
                selectedAt = i;
            }
        }
        int first = Math.max(0, Math.min(selectedAt - tableRows / 2, workers.size() - tableRows));
        if (workers.isEmpty()) {
            lines.add(new AttributedString(model.filter.isEmpty() ? "no apps: start one with 'cluster start app.jar -i max'"
                    : "no app matches the filter '" + model.filter + "' (/ and Enter on an empty line shows all)"));
        }
        for (int i = first; i < Math.min(workers.size(), first + tableRows); i++) {
            WorkerInfo w = workers.get(i);
            String[] row = cells.get(i);
            boolean selected = MonitModel.key(w).equals(model.selected);
            boolean lagging = w.lagOver() || stalledRecently(w, nowMs);
            AttributedStyle base = lagging ? style(AttributedStyle.RED).bold() : AttributedStyle.DEFAULT;
            if (selected) {
                base = base.inverse();
            }
            AttributedStringBuilder b = new AttributedStringBuilder();
            for (Column c : shown) {
                AttributedStyle s = c == Column.STATE && !lagging ? stateStyle(WorkerTable.state(w), base) : base;
                b.style(s).append(cell(row[c.ordinal()], width[c.ordinal()], numeric(c))).append(" ");
            }
            lines.add(fit(selected ? pad(b, cols) : b.toAttributedString(), cols));
        }
    }

    private static int total(int[] width, Set<Column> shown) {
        int sum = 0;
        for (Column c : shown) {
            sum += width[c.ordinal()] + 1;
        }
        return sum;
    }

    private static boolean numeric(Column c) {
        return c != Column.APP && c != Column.STATE;
    }

    /** Whether a loop of the worker blocked over its threshold within the window the lag columns cover. */
    static boolean stalledRecently(WorkerInfo w, long nowMs) {
        TelemetryInfo t = w.telemetry();
        if (t == null || t.blocked() == null || t.blocked().isEmpty()) {
            return false;
        }
        BlockedReport newest = t.blocked().get(0);
        return nowMs - (newest.startedAtEpochMs() + newest.durationMs()) <= WINDOW_MS;
    }

    private static String[] cells(WorkerInfo w, boolean stalled) {
        LagSummary lag = MonitModel.lag(w);
        boolean measured = lag.samples() > 0;
        return new String[] {w.app(), w.id() < 0 ? "-" : Integer.toString(w.id()), w.pid() == null ? "-" : w.pid().toString(), WorkerTable.state(w),
                w.pid() == null ? "-" : Durations.format(w.uptimeMs()), Integer.toString(w.restarts()),
                w.cpu() == null ? "-" : WorkerTable.percent(w.cpu()), WorkerTable.bytes(w.rssBytes()), WorkerTable.bytes(w.heapUsedBytes()),
                measured ? WorkerTable.millis(lag.p50Ms()) : "-",
                measured ? WorkerTable.millis(lag.p99Ms()) + (w.lagOver() ? "!" : "") : "-",
                measured ? WorkerTable.millis(lag.maxMs()) + (stalled ? "!" : "") : "-"};
    }

    /** The selected worker: sparklines of its lag and CPU, heap and GC, and its newest stall or last exit. */
    private void detail(List<AttributedString> lines, MonitModel model, int cols, long nowMs) {
        WorkerInfo w = model.selectedWorker();
        if (w == null) {
            lines.add(rule("no worker selected", cols));
            for (int i = 1; i < DETAIL_LINES; i++) {
                lines.add(AttributedString.EMPTY);
            }
            return;
        }
        TelemetryInfo t = w.telemetry();
        StringBuilder title = new StringBuilder(MonitModel.key(w)).append(" pid ").append(w.pid() == null ? "-" : w.pid())
                .append(" ").append(w.state());
        if (t != null && t.heapMaxBytes() != null) {
            title.append("  heap ").append(WorkerTable.bytes(w.heapUsedBytes())).append("/").append(WorkerTable.bytes(t.heapMaxBytes()));
        }
        if (t != null) {
            title.append("  gc ").append(t.gcCount()).append(" (").append(WorkerTable.millis(t.gcPauseMs())).append(" paused)");
            if (t.jvmThreads() != null) {
                title.append("  threads ").append(t.jvmThreads());
            }
        }
        lines.add(rule(title.toString(), cols));
        MonitModel.History h = model.history.get(MonitModel.key(w));
        int points = Math.max(1, cols - 22);
        // A process that reports nothing (a standby, a reload's replacement still starting) has no lag, not a lag of 0.
        boolean lagMeasured = h != null && t != null;
        lines.add(spark("lag p99", lagMeasured ? h.last(h.p99, points) : new double[0], WorkerTable::millis, cols));
        lines.add(spark("lag max", lagMeasured ? h.last(h.max, points) : new double[0], WorkerTable::millis, cols));
        lines.add(spark("cpu", h == null ? new double[0] : h.last(h.cpu, points), WorkerTable::percent, cols));
        lines.add(poolsAndMemory(w, cols));
        List<BlockedReport> blocked = t == null || t.blocked() == null ? List.of() : t.blocked();
        if (!blocked.isEmpty()) {
            BlockedReport b = blocked.get(0);
            long ago = Math.max(0, nowMs - b.startedAtEpochMs() - b.durationMs());
            lines.add(fit(new AttributedStringBuilder().style(style(AttributedStyle.RED).bold())
                    .append("blocked " + b.durationMs() + "ms").style(AttributedStyle.DEFAULT)
                    .append(" " + Durations.format(ago) + " ago on " + b.loop() + ", " + t.stalls() + " stall(s) in all")
                    .toAttributedString(), cols));
            lines.add(fit(new AttributedString(b.blamesCode() ? "  at " + b.culprit() : "  " + b.culprit()), cols));
            int at = b.stack().indexOf(b.culprit());
            lines.add(fit(new AttributedString(at >= 0 && at + 1 < b.stack().size() ? "  at " + b.stack().get(at + 1) : ""), cols));
        } else if (w.lastExit() != null) {
            lines.add(fit(new AttributedString("last exit: " + w.lastExit()), cols));
            lines.add(AttributedString.EMPTY);
            lines.add(AttributedString.EMPTY);
        } else {
            lines.add(fit(new AttributedString("no event loop blocked over the threshold", AttributedStyle.DEFAULT.faint()), cols));
            lines.add(AttributedString.EMPTY);
            lines.add(AttributedString.EMPTY);
        }
    }

    /** "live 41M +2.1M/m CLIMBING  pools hash 2/2+31 FULL 12s, common 0/1": red when marked. */
    private AttributedString poolsAndMemory(WorkerInfo w, int cols) {
        AttributedStringBuilder b = new AttributedStringBuilder().append(String.format("%-8s", "live"));
        if (w.memory() == null) {
            b.append("-");
        } else if (w.memory().climbing()) {
            b.style(style(AttributedStyle.RED).bold()).append(WorkerTable.bytes(w.memory().liveBytes()) + " +"
                    + WorkerTable.bytes(Math.round(w.memory().bytesPerMinute())) + "/min CLIMBING").style(AttributedStyle.DEFAULT);
        } else {
            b.append(WorkerTable.bytes(w.memory().liveBytes()) + " steady");
        }
        List<PoolInfo> pools = w.telemetry() == null || w.telemetry().pools() == null ? List.of() : w.telemetry().pools();
        if (!pools.isEmpty()) {
            b.append("  pools");
        }
        for (PoolInfo p : pools) {
            String text = " " + WorkerTable.figures(p);
            if (p.marked()) {
                b.style(style(AttributedStyle.RED).bold()).append(text + " FULL " + Durations.format(p.fullForMs())).style(AttributedStyle.DEFAULT);
            } else {
                b.append(text);
            }
        }
        return fit(b.toAttributedString(), cols);
    }

    private AttributedString spark(String label, double[] series, java.util.function.DoubleFunction<String> format, int cols) {
        AttributedStringBuilder b = new AttributedStringBuilder().append(String.format("%-8s", label));
        double top = 0;
        for (double v : series) {
            top = Math.max(top, v);
        }
        StringBuilder bars = new StringBuilder();
        for (double v : series) {
            bars.append(top <= 0 ? BARS[0] : BARS[(int) Math.min(BARS.length - 1, Math.round(v / top * (BARS.length - 1)))]);
        }
        b.style(style(AttributedStyle.CYAN)).append(bars).style(AttributedStyle.DEFAULT);
        if (series.length > 0) {
            b.append(" now ").append(format.apply(series[series.length - 1])).append(" top ").append(format.apply(top));
        } else {
            b.append("-");
        }
        return fit(b.toAttributedString(), cols);
    }

    private void logs(List<AttributedString> lines, MonitModel model, List<String> logs, int cols, int logLines) {
        WorkerInfo w = model.selectedWorker();
        String whose = model.logsOfAll || w == null ? "all workers" : MonitModel.key(w);
        String title = "logs: " + whose + (model.logScroll > 0 ? "  (scrolled back " + model.logScroll + ", Tab and ↓ to follow)" : "")
                + (model.focus == MonitModel.Pane.LOGS ? "  [↑↓ scroll]" : "");
        lines.add(rule(title, cols));
        int end = Math.max(0, logs.size() - model.logScroll);
        int start = Math.max(0, end - logLines);
        for (int i = start; i < end; i++) {
            lines.add(fit(new AttributedString(logs.get(i)), cols));
        }
        for (int i = end - start; i < logLines; i++) {
            lines.add(AttributedString.EMPTY);
        }
    }

    /** A pane's title bar, in reverse video (no line-drawing characters: JLine would send them in the alternate charset). */
    private static AttributedString rule(String title, int cols) {
        return fit(pad(new AttributedStringBuilder().style(AttributedStyle.DEFAULT.inverse()).append(" ").append(title), cols), cols);
    }

    private AttributedStyle stateStyle(String state, AttributedStyle base) {
        return switch (state) {
            case "online" -> colour ? base.foreground(AttributedStyle.GREEN) : base;
            case "errored", "exited", WorkerTable.PAUSED -> colour ? base.foreground(AttributedStyle.RED) : base.bold();
            case "stopped" -> base.faint();
            default -> colour ? base.foreground(AttributedStyle.YELLOW) : base;
        };
    }

    private AttributedStyle style(int foreground) {
        return colour ? AttributedStyle.DEFAULT.foreground(foreground) : AttributedStyle.DEFAULT;
    }

    /** Left-aligned text, right-aligned numbers; too long a text ends in "…". */
    private static String cell(String text, int width, boolean right) {
        if (text.length() > width) {
            return text.substring(0, Math.max(0, width - 1)) + "…";
        }
        String pad = " ".repeat(width - text.length());
        return right ? pad + text : text + pad;
    }

    private static AttributedString pad(AttributedStringBuilder b, int cols) {
        if (b.columnLength() < cols) {
            b.append(" ".repeat(cols - b.columnLength()));
        }
        return b.toAttributedString();
    }

    private static AttributedString fit(AttributedString s, int cols) {
        return s.columnLength() <= cols ? s : s.columnSubSequence(0, cols);
    }
}
