package dev.cluster.view;

import dev.cluster.config.Durations;
import dev.cluster.metrics.PoolWatch;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.MemoryInfo;
import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;
import dev.cluster.protocol.WorkerInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The worker table that {@code list}, {@code start}, {@code stop} and {@code restart} print. */
public final class WorkerTable {
    private static final String[] HEADER = {"APP", "ID", "PID", "STATE", "UPTIME", "RESTARTS", "CPU", "RSS", "HEAP", "LAG P99", "MAX", "PORT", "LIVE", "POOL"};
    private static final int STATE = 3;
    /** What STATE shows for an online worker whose process is stopped (WorkerInfo.paused). */
    public static final String PAUSED = "paused";
    private static final int RESTARTS = 5;
    private static final int HEAP = 8;
    private static final int P99 = 9;
    private static final int MAX = 10;
    private static final int PORT = 11;
    private static final int LIVE = 12;
    private static final int POOL = 13;
    /** On a narrow terminal, the columns left out, in this order, until the table fits (see {@link #shown}). */
    private static final int[] LEFT_OUT_FIRST = {POOL, LIVE, PORT, MAX, HEAP, RESTARTS};

    private WorkerTable() {
    }

    /**
     * What {@code list} prints for a daemon's list response: the table, or the JSON array scripts
     * read (a documented contract). A null response (no supervisor runs) is the empty list.
     */
    public static String list(Response response, boolean json, boolean colour, int columns) {
        List<WorkerInfo> workers = response == null || response.workers() == null ? List.of() : response.workers();
        if (json) {
            return Wire.json(workers) + "\n";
        }
        return render(workers, response == null ? null : response.lag(), colour, columns);
    }

    /**
     * @param clusterLag the whole cluster's lag over the last 10 s, or null: then no footer
     * @param columns    the terminal's width ({@link Terminal#columns}), 0 for none: a table wider than it leaves out
     *                   columns, the least read at a glance first, rather than wrap each row into two
     */
    public static String render(List<WorkerInfo> workers, LagSummary clusterLag, boolean colour, int columns) {
        if (workers.isEmpty()) {
            return "no apps: start one with 'cluster start app.jar -i max'\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        boolean anyOver = false;
        boolean anyClimbing = false;
        boolean anyFull = false;
        for (WorkerInfo w : workers) {
            boolean measured = w.lag() != null && w.lag().samples() > 0;
            anyOver |= w.lagOver();
            anyClimbing |= w.memory() != null && w.memory().climbing();
            anyFull |= w.pool() != null && w.pool().marked();
            rows.add(new String[] {w.app(), w.id() < 0 ? "-" : Integer.toString(w.id()), w.pid() == null ? "-" : w.pid().toString(),
                    state(w), w.pid() == null ? "-" : Durations.format(w.uptimeMs()),
                    Integer.toString(w.restarts()),
                    w.cpu() == null ? "-" : percent(w.cpu()), bytes(w.rssBytes()), bytes(w.heapUsedBytes()),
                    measured ? millis(w.lag().p99Ms()) + (w.lagOver() ? "!" : "") : "-",
                    measured ? millis(w.lag().maxMs()) : "-", Integer.toString(w.port()), live(w.memory()), pool(w.pool())});
        }
        int[] width = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        boolean[] shown = shown(rows, width, columns);
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                if (!shown[i]) {
                    continue;
                }
                String cell = String.format("%-" + width[i] + "s", row[i]);
                if (r > 0 && i == STATE) {
                    cell = Terminal.paint(colour, stateColour(row[i]), cell);
                } else if (r > 0 && (i == P99 || i == LIVE || i == POOL) && row[i].endsWith("!")) {
                    cell = Terminal.paint(colour, Terminal.RED, cell);
                }
                line.append(cell).append(i + 1 < row.length ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        List<String> left = new ArrayList<>();
        for (int i = 0; i < HEADER.length; i++) {
            if (!shown[i]) {
                left.add(HEADER[i]);
            }
        }
        if (!left.isEmpty()) {
            out.append(String.join(", ", left)).append(" left out to fit ").append(columns).append(" columns: 'cluster list | cat' shows all\n");
        }
        if (clusterLag != null && clusterLag.samples() > 0) {
            out.append("lag over the last 10s: cluster p50 ").append(millis(clusterLag.p50Ms())).append(", p99 ")
                    .append(millis(clusterLag.p99Ms())).append(", max ").append(millis(clusterLag.maxMs()))
                    .append(" (all workers' samples merged)").append(anyOver ? "; ! = p99 above the app's --lag-threshold" : "")
                    .append('\n');
        }
        if (anyClimbing) {
            out.append("LIVE: heap in use after GC; ! = climbing steadily over the last minutes (a leak?): 'cluster describe' says how soon it reaches its limit\n");
        }
        if (anyFull) {
            out.append("POOL: the fullest pool, busy/max+waiting; ! = at its maximum with work waiting for ").append(PoolWatch.MARK_AFTER_MS / 1000)
                    .append(" s or more\n");
        }
        if (workers.stream().anyMatch(w -> Boolean.TRUE.equals(w.paused()) && w.id() >= 0)) {
            out.append(PAUSED).append(": its process is stopped (SIGSTOP, a debugger) and serves nothing; what is queued on it waits, new ")
                    .append("connections go to the app's other workers if one serves ('cluster describe' says): 'kill -CONT PID' resumes it\n");
        }
        if (workers.stream().anyMatch(w -> Boolean.TRUE.equals(w.paused()) && w.id() < 0)) {
            out.append(PAUSED).append(" standby: its process is stopped (SIGSTOP, a debugger); a worker that dies is replaced by a new ")
                    .append("process instead: 'kill -CONT PID' resumes it\n");
        }
        workers.stream().filter(w -> w.jarOverwritten() != null && w.id() >= 0)
                .collect(Collectors.groupingBy(WorkerInfo::app, LinkedHashMap::new, Collectors.toList()))
                .forEach((app, overwritten) -> out.append(Terminal.paint(colour, Terminal.RED, app + ":"
                        + overwritten.stream().map(w -> Integer.toString(w.id())).collect(Collectors.joining(",")) + " "
                        + overwritten.get(0).jarOverwritten() + " while they run from it: their classes may fail to load; 'cluster reload "
                        + app + "' now, and deploy by renaming a new jar over it (mv) or switching a link, not by copying onto it")).append('\n'));
        for (WorkerInfo w : workers) {
            if (w.outputDropped() != null) {
                out.append(Terminal.paint(colour, Terminal.RED, w.app() + ":" + w.id() + " output is being dropped: " + w.outputDropped()))
                        .append('\n');
            }
        }
        return out.toString();
    }

    /**
     * Which columns fit in {@code columns} (0: all): the least read at a glance go first ({@link #LEFT_OUT_FIRST}),
     * but never one that marks a worker ({@code !}), nor the identity, state and lag of each worker.
     */
    private static boolean[] shown(List<String[]> rows, int[] width, int columns) {
        boolean[] shown = new boolean[HEADER.length];
        Arrays.fill(shown, true);
        int total = Arrays.stream(width).sum() + 2 * (width.length - 1);
        for (int i = 0; columns > 0 && total > columns && i < LEFT_OUT_FIRST.length; i++) {
            int column = LEFT_OUT_FIRST[i];
            if (rows.stream().skip(1).noneMatch(row -> row[column].endsWith("!"))) {
                shown[column] = false;
                total -= width[column] + 2;
            }
        }
        return shown;
    }

    /** "12M", or "12M +2.1M/m!" while it climbs. */
    static String live(MemoryInfo memory) {
        if (memory == null) {
            return "-";
        }
        return bytes(memory.liveBytes()) + (memory.climbing() ? " +" + bytes(Math.round(memory.bytesPerMinute())) + "/m!" : "");
    }

    /** "hash 2/2+31!": name, busy of its maximum, what waits, ! when marked; "-" while no pool is busy. */
    public static String pool(PoolInfo pool) {
        if (pool == null || (pool.active() == 0 && pool.queued() <= 0)) {
            return "-";
        }
        return figures(pool) + (pool.marked() ? "!" : "");
    }

    /** "hash 2/2+31": name, busy of its maximum, and what waits when anything does. */
    public static String figures(PoolInfo pool) {
        return pool.name() + " " + pool.active() + "/" + pool.max() + (pool.queued() > 0 ? "+" + pool.queued() : "");
    }

    public static String percent(double cpu) {
        return cpu < 10 ? String.format(Locale.ROOT, "%.1f%%", cpu) : Math.round(cpu) + "%";
    }

    /** 1023 -> "1023B", 52428800 -> "50M", 1.5 GiB -> "1.5G". */
    public static String bytes(Long value) {
        if (value == null) {
            return "-";
        }
        String[] units = {"B", "K", "M", "G", "T"};
        double v = value;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v < 10 && u > 0 ? String.format(Locale.ROOT, "%.1f", v) : Long.toString(Math.round(v))) + units[u];
    }

    /** Two significant digits is what a person compares: "0.08ms", "1.2ms", "35ms", "203ms". */
    public static String millis(double ms) {
        if (ms < 1) {
            return String.format(Locale.ROOT, "%.2fms", ms);
        }
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.1fms", ms);
        }
        return Math.round(ms) + "ms";
    }

    /** What a STATE column shows: the state, or {@code paused} for an online worker whose process is stopped. */
    public static String state(WorkerInfo w) {
        return Boolean.TRUE.equals(w.paused()) ? PAUSED : w.state();
    }

    private static String stateColour(String state) {
        return switch (state) {
            case "online" -> Terminal.GREEN;
            case "errored", "exited", PAUSED -> Terminal.RED;
            case "stopped" -> Terminal.DIM;
            default -> Terminal.YELLOW;
        };
    }
}
