package dev.cluster.metrics;

import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.telemetry.LagHistograms;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Prometheus text exposition (format 0.0.4) of every worker: state, resources, GC, and
 * event-loop lag both as a cumulative histogram (for PromQL's histogram_quantile over any window
 * and any grouping) and as the supervisor's own last-10-seconds percentiles, per worker and merged per app.
 */
public final class PrometheusText {
    /** One worker: what {@code list} says about it and everything it reported. */
    public record Row(WorkerInfo info, WorkerTelemetry telemetry) {
    }

    private final StringBuilder out = new StringBuilder();

    private PrometheusText() {
    }

    /** An app's standbys ({@code --standby}): those waiting to take over, and how many it should have. */
    public record Standbys(int waiting, int wanted) {
    }

    /**
     * @param apps     each app's workers, in order
     * @param appLag   each app's lag over the last 10 s, from its workers' merged histograms
     * @param standbys each app's standbys
     */
    public static String render(Map<String, List<Row>> apps, Map<String, LagSummary> appLag, Map<String, Standbys> standbys, long daemonUptimeMs) {
        PrometheusText text = new PrometheusText();
        List<Row> rows = apps.values().stream().flatMap(List::stream).toList();
        List<Row> running = rows.stream().filter(r -> r.info().pid() != null).toList();
        text.family("cluster_supervisor_uptime_seconds", "gauge", "Time since the supervisor started.");
        text.sample("cluster_supervisor_uptime_seconds", "", seconds(daemonUptimeMs));

        text.perWorker(rows, "cluster_worker_up", "gauge", "1 when the worker is online, else 0.",
                r -> "online".equals(r.info().state()) ? 1.0 : 0.0);
        text.perWorker(rows, "cluster_worker_restarts_total", "counter", "Restarts of the worker slot (crashes, restarts, reloads).",
                r -> (double) r.info().restarts());
        text.perWorker(rows, "cluster_worker_uptime_seconds", "gauge", "Time since the worker's process started; 0 when none runs.",
                r -> seconds(r.info().uptimeMs()));
        text.perWorker(running, "cluster_worker_cpu_seconds_total", "counter", "CPU time of the worker's process (user and system), from the OS.",
                r -> r.telemetry().cpuTimeMs() / 1000.0);
        text.perWorker(running, "cluster_worker_resident_memory_bytes", "gauge", "Resident set size of the worker's process, from the OS.",
                r -> r.info().rssBytes() == null ? null : (double) r.info().rssBytes());
        text.perWorker(running, "cluster_worker_heap_used_bytes", "gauge", "Java heap in use, as the worker reported it.",
                r -> r.info().heapUsedBytes() == null ? null : (double) r.info().heapUsedBytes());
        text.perWorker(running, "cluster_worker_heap_committed_bytes", "gauge", "Java heap committed, as the worker reported it.",
                r -> r.telemetry().latest() == null ? null : (double) r.telemetry().latest().heapCommittedBytes());
        text.perWorker(running, "cluster_worker_threads", "gauge", "Live JVM threads of the worker.",
                r -> r.telemetry().latest() == null ? null : (double) r.telemetry().latest().threads());
        text.perWorker(rows, "cluster_worker_gc_collections_total", "counter", "Garbage collections reported by the worker slot.",
                r -> (double) r.telemetry().gcCount());
        text.perWorker(rows, "cluster_worker_gc_pause_seconds_total", "counter", "GC pause time reported by the worker slot (concurrent cycles excluded).",
                r -> r.telemetry().gcPauseMs() / 1000.0);
        text.perWorker(running, "cluster_worker_live_bytes", "gauge", "Heap in use right after collections (the lowest of the last report with one).",
                r -> r.info().memory() == null ? null : (double) r.info().memory().liveBytes());
        text.perWorker(running, "cluster_worker_live_bytes_per_second", "gauge", "Trend of the live set over the last 10 minutes (least squares of half-minute floors).",
                r -> r.info().memory() == null ? null : r.info().memory().bytesPerMinute() / 60);
        text.perWorker(running, "cluster_worker_live_climbing", "gauge", "1 when the live set climbs steadily (a leak, most likely), else 0.",
                r -> r.info().memory() == null ? null : r.info().memory().climbing() ? 1.0 : 0.0);
        text.pools(running, "cluster_pool_active", "gauge", "Threads (or connections) of the pool in use.", p -> (double) p.active());
        text.pools(running, "cluster_pool_max", "gauge", "The pool's maximum size.", p -> (double) p.max());
        text.pools(running, "cluster_pool_queued", "gauge", "Work waiting for the pool: queued tasks, connections or threads waiting (pools that count it).",
                p -> p.queued() < 0 ? null : (double) p.queued());
        text.pools(running, "cluster_pool_rejections_total", "counter", "Work the pool refused since its process started (pools that count them).",
                p -> p.rejections() < 0 ? null : (double) p.rejections());
        text.perWorker(rows, "cluster_event_loop_stalls_total", "counter", "Event loop stalls longer than the block threshold.",
                r -> (double) r.telemetry().stalls());
        text.perWorker(rows, "cluster_event_loop_stalls_cpu_starved_total", "counter",
                "Of those stalls, the ones whose loop thread waited for a processor most of the time: busy processors or a spent CPU quota, not the app's code.",
                r -> (double) r.telemetry().starvedStalls());

        text.family("cluster_event_loop_lag_seconds", "histogram",
                "How late the worker's event-loop probes ran (its loops merged; the JVM timer thread for apps without registered loops).");
        for (Row r : rows) {
            String labels = labels(r);
            long[] counts = r.telemetry().cumulativeBuckets();
            for (int b = 0; b < LagHistograms.BUCKET_BOUNDS_US.length; b++) {
                text.sample("cluster_event_loop_lag_seconds_bucket", labels + ",le=\"" + LagHistograms.BUCKET_BOUNDS_US[b] / 1e6 + "\"", counts[b]);
            }
            text.sample("cluster_event_loop_lag_seconds_bucket", labels + ",le=\"+Inf\"", counts[LagHistograms.BUCKET_BOUNDS_US.length]);
            text.sample("cluster_event_loop_lag_seconds_sum", labels, r.telemetry().lagSumSeconds());
            text.sample("cluster_event_loop_lag_seconds_count", labels, r.telemetry().lagCount());
        }

        text.family("cluster_app_standbys", "gauge", "Standbys of the app waiting to take over a worker's socket (below cluster_app_standbys_wanted: one is starting or paused, or they were given up).");
        standbys.forEach((app, s) -> text.sample("cluster_app_standbys", "app=\"" + escape(app) + "\"", s.waiting()));
        text.family("cluster_app_standbys_wanted", "gauge", "Standbys the app is to keep (--standby).");
        standbys.forEach((app, s) -> text.sample("cluster_app_standbys_wanted", "app=\"" + escape(app) + "\"", s.wanted()));

        text.recent("cluster_event_loop_lag", "the worker's", rows.stream().map(r -> Map.entry(labels(r), r.info().lag())).toList());
        text.recent("cluster_app_event_loop_lag", "all the app's workers' (histograms merged, not averaged)",
                appLag.entrySet().stream().map(e -> Map.entry("app=\"" + escape(e.getKey()) + "\"", e.getValue())).toList());
        return text.out.toString();
    }

    private void perWorker(List<Row> rows, String name, String type, String help, Function<Row, Double> value) {
        family(name, type, help);
        for (Row r : rows) {
            Double v = value.apply(r);
            if (v != null) {
                sample(name, labels(r), v);
            }
        }
    }

    private void pools(List<Row> rows, String name, String type, String help, Function<PoolInfo, Double> value) {
        family(name, type, help);
        long now = System.currentTimeMillis();
        for (Row r : rows) {
            for (PoolInfo p : r.telemetry().pools(now)) {
                Double v = value.apply(p);
                if (v != null) {
                    sample(name, labels(r) + ",pool=\"" + escape(p.name()) + "\",kind=\"" + escape(p.kind()) + "\"", v);
                }
            }
        }
    }

    /**
     * The supervisor's own percentiles over the last 10 s, one gauge family each: a "quantile"
     * label is reserved for the summary type, whose sum and count would have to be cumulative.
     */
    private void recent(String prefix, String whose, List<Map.Entry<String, LagSummary>> lags) {
        String[][] figures = {{"p50", "Median"}, {"p99", "99th percentile of"}, {"max", "Maximum"}};
        for (int f = 0; f < figures.length; f++) {
            String name = prefix + "_" + figures[f][0] + "_seconds";
            family(name, "gauge", figures[f][1] + " " + whose + " event-loop lag over the last 10 seconds.");
            for (Map.Entry<String, LagSummary> e : lags) {
                LagSummary lag = e.getValue();
                if (lag != null && lag.samples() > 0) {
                    sample(name, e.getKey(), (f == 0 ? lag.p50Ms() : f == 1 ? lag.p99Ms() : lag.maxMs()) / 1000);
                }
            }
        }
    }

    private void family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
        out.append('\n');
    }

    private static String labels(Row r) {
        return "app=\"" + escape(r.info().app()) + "\",id=\"" + r.info().id() + "\"";
    }

    private static double seconds(long ms) {
        return ms / 1000.0;
    }

    /** Label values escape backslash, double quote and newline. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
