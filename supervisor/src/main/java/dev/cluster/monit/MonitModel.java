package dev.cluster.monit;

import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.WorkerInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What monit knows and what the user chose: the newest frame, a few minutes of per-second history
 * per worker (for the sparklines; kept here, so the daemon sends each second once), the selection,
 * sort order, app filter and log mode. Touched by the screen's thread only.
 */
final class MonitModel {
    /** Per-second points kept per worker: 5 minutes (what the supervisor sends when monit connects). */
    static final int HISTORY = 300;

    /** The worker table's columns, each sortable. */
    enum Column {
        APP("APP", Comparator.comparing(WorkerInfo::app)),
        ID("ID", Comparator.comparingInt(WorkerInfo::id)),
        PID("PID", Comparator.comparing(WorkerInfo::pid, Comparator.nullsFirst(Comparator.naturalOrder()))),
        STATE("STATE", Comparator.comparing(WorkerInfo::state)),
        UPTIME("UPTIME", Comparator.comparingLong(WorkerInfo::uptimeMs)),
        RESTARTS("RST", Comparator.comparingInt(WorkerInfo::restarts)),
        CPU("CPU", nullsFirst(WorkerInfo::cpu)),
        RSS("RSS", nullsFirst(WorkerInfo::rssBytes)),
        HEAP("HEAP", nullsFirst(WorkerInfo::heapUsedBytes)),
        P50("P50", Comparator.comparingDouble(w -> lag(w).p50Ms())),
        P99("P99", Comparator.comparingDouble(w -> lag(w).p99Ms())),
        MAX("MAX", Comparator.comparingDouble(w -> lag(w).maxMs()));

        final String label;
        final Comparator<WorkerInfo> order;

        Column(String label, Comparator<WorkerInfo> order) {
            this.label = label;
            this.order = order;
        }

        private static <T extends Comparable<T>> Comparator<WorkerInfo> nullsFirst(Function<WorkerInfo, T> key) {
            return Comparator.comparing(key, Comparator.nullsFirst(Comparator.naturalOrder()));
        }
    }

    /** A worker's recent seconds: lag p99 and max of each second's report, CPU. */
    static final class History {
        final double[] p99 = new double[HISTORY];
        final double[] max = new double[HISTORY];
        final double[] cpu = new double[HISTORY];
        int size;
        private int next;

        /** A history that starts with the supervisor's record of the last minutes. */
        static History of(TelemetryInfo.Series series) {
            History h = new History();
            int lag = Math.min(series.p99Ms().length, series.maxMs().length);
            int cpu = series.cpuPercent().length;
            for (int i = 0; i < Math.max(lag, cpu); i++) { // aligned at the newest end
                int l = i - (Math.max(lag, cpu) - lag);
                int c = i - (Math.max(lag, cpu) - cpu);
                h.add(l < 0 ? 0 : series.p99Ms()[l], l < 0 ? 0 : series.maxMs()[l], c < 0 ? 0 : series.cpuPercent()[c]);
            }
            return h;
        }

        void add(double p99Ms, double maxMs, double cpuPercent) {
            p99[next] = p99Ms;
            max[next] = maxMs;
            cpu[next] = cpuPercent;
            next = (next + 1) % HISTORY;
            size = Math.min(HISTORY, size + 1);
        }

        /** The newest {@code n} points of a series, oldest first. */
        double[] last(double[] series, int n) {
            int count = Math.min(n, size);
            double[] out = new double[count];
            for (int i = 0; i < count; i++) {
                out[i] = series[Math.floorMod(next - count + i, HISTORY)];
            }
            return out;
        }
    }

    enum Pane { TABLE, LOGS }

    Response frame;
    long frameAtMs;
    /** Why there is no live data, or null while frames arrive. */
    String down;
    final Map<String, History> history = new HashMap<>();
    /** The selected worker, as {@code app:id}; it stays selected when the order changes. */
    String selected;
    Column sort = Column.APP;
    boolean descending;
    /** Only apps whose name contains this; empty for all. */
    String filter = "";
    boolean logsOfAll;
    Pane focus = Pane.TABLE;
    /** How many lines the log pane is scrolled back from the newest; 0 follows. */
    int logScroll;

    static String key(WorkerInfo w) {
        return w.app() + ":" + w.id();
    }

    static LagSummary lag(WorkerInfo w) {
        return w.lag() == null ? LagSummary.NONE : w.lag();
    }

    /** The newest second's lag, from the frame's glance at the telemetry. */
    static LagSummary newestLag(WorkerInfo w) {
        LagSummary s = w.telemetry() == null || w.telemetry().lag() == null ? null : w.telemetry().lag().get("1s");
        return s == null ? LagSummary.NONE : s;
    }

    void apply(Response next, long nowMs) {
        frame = next;
        frameAtMs = nowMs;
        down = null;
        List<WorkerInfo> workers = workers();
        history.keySet().retainAll(workers.stream().map(MonitModel::key).toList());
        for (WorkerInfo w : workers) {
            TelemetryInfo.Series seed = w.telemetry() == null ? null : w.telemetry().history();
            if (seed != null) { // the first frame of a connection: the supervisor's record, newest second included
                history.put(key(w), History.of(seed));
            } else {
                LagSummary s = newestLag(w);
                history.computeIfAbsent(key(w), k -> new History()).add(s.p99Ms(), s.maxMs(), w.cpu() == null ? 0 : w.cpu());
            }
        }
        if (selectedWorker() == null) {
            List<WorkerInfo> rows = rows();
            selected = rows.isEmpty() ? null : key(rows.get(0));
        }
    }

    List<WorkerInfo> workers() {
        return frame == null || frame.workers() == null ? List.of() : frame.workers();
    }

    /** The table's rows: filtered by app, in the chosen order (app and id break ties). */
    List<WorkerInfo> rows() {
        Comparator<WorkerInfo> order = descending ? sort.order.reversed() : sort.order;
        order = order.thenComparing(WorkerInfo::app).thenComparingInt(WorkerInfo::id);
        List<WorkerInfo> rows = new ArrayList<>();
        for (WorkerInfo w : workers()) {
            if (filter.isEmpty() || w.app().contains(filter)) {
                rows.add(w);
            }
        }
        rows.sort(order);
        return rows;
    }

    WorkerInfo selectedWorker() {
        for (WorkerInfo w : rows()) {
            if (key(w).equals(selected)) {
                return w;
            }
        }
        return null;
    }

    /** Moves the selection {@code delta} rows, stopping at either end. */
    void move(int delta) {
        List<WorkerInfo> rows = rows();
        if (rows.isEmpty()) {
            return;
        }
        int at = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (key(rows.get(i)).equals(selected)) {
                at = i;
            }
        }
        selected = key(rows.get(Math.max(0, Math.min(rows.size() - 1, at + delta))));
    }
}
