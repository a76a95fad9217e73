package dev.cluster.view;

import dev.cluster.logs.LogFiles;
import dev.cluster.metrics.MemoryTrend;
import dev.cluster.metrics.PrometheusText;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Env;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.MemoryInfo;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.TelemetryReport;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.telemetry.LagHistograms;
import dev.cluster.worker.App;
import dev.cluster.worker.AppJvmOptions;
import dev.cluster.worker.Attempt;
import dev.cluster.worker.Share;
import dev.cluster.worker.Slot;
import dev.cluster.worker.Standby;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The supervisor's state as its readers see it: {@code list}'s rows, a {@code watch} frame for
 * monit, {@code describe}, and the Prometheus text. A slot is one row; a reload's replacement, until
 * it takes over, is a row of its own with the same id.
 */
public final class Views {
    /** Seconds of series a monit gets when it connects: what its sparklines hold. */
    private static final int WATCH_HISTORY_POINTS = 300;

    /** How much of a worker an answer shows. */
    private enum Detail { LIST, WATCH, WATCH_WITH_HISTORY, DESCRIBE }

    private final LogFiles logs;

    public Views(LogFiles logs) {
        this.logs = logs;
    }

    /** Every worker as {@code list} shows it, with the lag of the whole cluster. */
    public Response list(Collection<App> apps, String message) {
        return Response.workers(message, rows(apps, Detail.LIST)).withLag(lag(slots(apps)));
    }

    /** One line for systemd's STATUS=: how many workers are online. */
    public String status(Collection<App> apps) {
        List<Slot> all = slots(apps);
        long online = all.stream().filter(s -> s.state() == dev.cluster.worker.SlotState.ONLINE).count();
        return online + "/" + all.size() + " workers online in " + apps.size() + " app(s)";
    }

    /** One frame of {@code watch}; the first of a stream carries every worker's recent series. */
    public Response frame(Collection<App> apps, Response.DaemonInfo daemon, boolean withHistory) {
        return Response.frame(daemon, rows(apps, withHistory ? Detail.WATCH_WITH_HISTORY : Detail.WATCH), lag(slots(apps)));
    }

    /** {@code describe} of the targeted slots; the environment's values only when asked for (they often hold secrets). */
    public List<AppInfo> describe(Collection<App> apps, List<Slot> targets, boolean showEnv, Function<AppSpec, List<String>> commandLine) {
        List<AppInfo> infos = new ArrayList<>();
        for (App app : apps) {
            List<WorkerInfo> selected = app.slots().stream().filter(targets::contains).map(s -> row(s, Detail.DESCRIBE)).toList();
            if (!selected.isEmpty()) {
                AppSpec spec = showEnv ? app.spec() : app.spec().withEnv(Env.hidden(app.spec().env()));
                infos.add(new AppInfo(spec, commandLine.apply(app.spec()), selected, lag(app.slots()), share(app.spec()), app.standbys().describe(),
                        app.readiness().describe(app.spec())));
            }
        }
        return infos;
    }

    public String prometheus(Collection<App> apps, long daemonUptimeMs) {
        Map<String, List<PrometheusText.Row>> rows = new LinkedHashMap<>();
        Map<String, LagSummary> appLag = new LinkedHashMap<>();
        Map<String, PrometheusText.Standbys> standbys = new LinkedHashMap<>();
        for (App app : apps) {
            rows.put(app.name(), app.slots().stream().map(s -> new PrometheusText.Row(row(s, Detail.LIST), s.telemetry())).toList());
            appLag.put(app.name(), lag(app.slots()));
            standbys.put(app.name(), new PrometheusText.Standbys(app.standbys().waiting(), app.spec().standby()));
        }
        return PrometheusText.render(rows, appLag, standbys, daemonUptimeMs);
    }

    /**
     * The lag of these slots over the last 10 s: their histograms merged, so the p99 is that of all
     * their samples. Slots without a process have no current lag and are left out.
     */
    public static LagSummary lag(List<Slot> slots) {
        long now = System.currentTimeMillis();
        Histogram merged = LagHistograms.create();
        slots.stream().filter(s -> s.pid() != null).forEach(s -> merged.add(s.telemetry().recentLag(now)));
        return LagHistograms.summary(merged);
    }

    private static List<Slot> slots(Collection<App> apps) {
        return apps.stream().flatMap(a -> a.slots().stream()).toList();
    }

    private List<WorkerInfo> rows(Collection<App> apps, Detail detail) {
        List<WorkerInfo> rows = new ArrayList<>();
        for (App app : apps) {
            for (Slot slot : app.slots()) {
                rows.add(row(slot, detail));
                if (slot.replacement() != null) {
                    rows.add(replacementRow(slot, slot.replacement()));
                }
            }
            for (Standby standby : app.standbys().list()) {
                rows.add(standbyRow(app.spec(), standby));
            }
        }
        return rows;
    }

    /** A standby: no slot yet (id -1), {@code standby} once it waits for one, {@code launching} before; its CPU and memory as the OS sees them. */
    private static WorkerInfo standbyRow(AppSpec spec, Standby standby) {
        return new WorkerInfo(spec.name(), -1, standby.pid(), standby.waiting() ? "standby" : "launching", 0,
                (System.nanoTime() - standby.startedNanos()) / 1_000_000, spec.port(), standby.cpuPercent(), standby.rssBytes(), null,
                LagSummary.NONE, false,
                null, null, null, null, null, null, null, null, null, null, null, standby.paused() ? Boolean.TRUE : null, null, null, null);
    }

    private WorkerInfo row(Slot slot, Detail detail) {
        long now = System.currentTimeMillis();
        boolean running = slot.pid() != null;
        // A worker without a process has no current lag: its last figures would read as a live problem.
        LagSummary lag = running ? LagHistograms.summary(slot.telemetry().recentLag(now)) : LagHistograms.summary(LagHistograms.create());
        AppSpec spec = slot.app().spec();
        boolean lagOver = lag.samples() > 0 && lag.p99Ms() > spec.lagThresholdMs();
        boolean details = detail == Detail.DESCRIBE;
        return new WorkerInfo(spec.name(), slot.id(), running ? (Long) slot.serving().appPid() : null, slot.state().label(), slot.restarts(),
                slot.uptimeMs(), spec.port(),
                running ? slot.telemetry().cpuPercent() : null, running ? slot.telemetry().rssBytes() : null,
                running ? slot.telemetry().heapUsedBytes() : null, lag, lagOver,
                detail != Detail.LIST ? slot.lastExit() : null, details ? slot.lastTransition() : null,
                details ? slot.lastExitOutput().lines() : null, details ? slot.lastExitOutput().stream() : null,
                details ? logs.file(spec, slot.id(), false).toString() : null, details ? logs.file(spec, slot.id(), true).toString() : null,
                switch (detail) {
                    case LIST -> null;
                    case WATCH -> slot.telemetry().glance(0);
                    case WATCH_WITH_HISTORY -> slot.telemetry().glance(WATCH_HISTORY_POINTS);
                    case DESCRIBE -> slot.telemetry().details(now);
                },
                running ? slot.serving().process().outputDropped() : null, details && running ? slot.serving().process().startCache() : null,
                running ? slot.telemetry().fullestPool(now) : null, running ? memory(slot, spec, now) : null,
                running && slot.telemetry().paused() ? Boolean.TRUE : null,
                details && running && slot.telemetry().paused() ? slot.app().sockets().whileDown(slot) : null,
                details ? staleShare(slot) : null, running ? slot.serving().process().jarOverwritten() : null);
    }

    /** The share a worker's process was sized for, when the app has been scaled since; else null. */
    private static String staleShare(Slot slot) {
        int among = slot.app().sharedAmongOthers(slot);
        if (among == 0) {
            return null;
        }
        AppSpec spec = slot.app().spec();
        return "sized for " + among + " worker(s) when it started: " + share(spec, Share.of(among, Runtime.getRuntime().availableProcessors()))
                + "; the app has " + spec.instances() + " now ('cluster reload " + spec.name() + "' resizes its workers without downtime)";
    }

    private static MemoryInfo memory(Slot slot, AppSpec spec, long now) {
        MemoryTrend.Trend trend = slot.telemetry().memoryTrend(now);
        TelemetryReport latest = slot.telemetry().latest();
        return trend == null ? null : trend.info(latest == null ? null : latest.heapMaxBytes(), slot.telemetry().rssBytes(), spec.maxMemoryBytes());
    }

    private static String share(AppSpec spec) {
        if (!spec.shared()) {
            return "off: each worker sizes itself for the whole machine";
        }
        return share(spec, Share.of(spec, Runtime.getRuntime().availableProcessors()));
    }

    private static String share(AppSpec spec, Share share) {
        return (spec.jar() != null ? share.describe(AppJvmOptions.of(spec)) : share.processors() + " processor(s) per worker")
                + " (CLUSTER_PROCESSORS=" + share.processors() + ")";
    }

    /** A reload's new process before it takes over: starting, nothing measured yet. */
    private static WorkerInfo replacementRow(Slot slot, Attempt replacement) {
        AppSpec spec = slot.app().spec();
        return new WorkerInfo(spec.name(), slot.id(), replacement.pid(), replacement.state() == dev.cluster.worker.AttemptState.READY ? "online" : "launching",
                slot.restarts(), replacement.uptimeMs(), spec.port(), null, null, null, LagSummary.NONE, false,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
