package dev.cluster.cli;

import dev.cluster.config.Durations;
import dev.cluster.config.ShellPath;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.BlockedReport;
import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.MemoryInfo;
import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.TelemetryInfo;
import dev.cluster.protocol.Wire;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.view.WorkerTable;
import dev.cluster.worker.LibraryJar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "describe", description = "Everything known about an app or worker: last exit and stderr lines, resources, lag, GC, stalls with stacks.")
final class DescribeCommand implements Callable<Integer> {
    private static final int STACK_FRAMES = 12;

    @Parameters(paramLabel = "APP|APP:ID|ID|all")
    String target;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Option(names = "--show-env", description = "Show the values of the apps' environment (by default only its names: it often holds secrets).")
    boolean showEnv;

    @Override
    public Integer call() {
        List<AppInfo> apps = ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).call(new Request.Describe(target, showEnv ? Boolean.TRUE : null))).apps();
        if (json) {
            System.out.println(Wire.json(apps));
            return 0;
        }
        for (AppInfo app : apps) {
            AppSpec s = app.spec();
            System.out.println("app " + s.name());
            System.out.println("  command        " + ShellPath.line(app.commandLine()));
            System.out.println("  cwd            " + s.cwd());
            System.out.println("  instances      " + s.instances() + (s.servesNoPort() ? ", serving no port (--listen-timeout 0; PORT=" + s.port() + ")" : " on port " + s.port())
                    + (s.sharedPort() > 0 ? ", and port " + s.sharedPort() + " shared (--shared-port)" : ""));
            if (!s.env().isEmpty()) {
                System.out.println("  env            " + (showEnv ? s.env().toString()
                        : String.join(", ", new java.util.TreeSet<>(s.env().keySet())) + "  (values hidden: --show-env shows them)"));
            }
            System.out.println("  share          " + app.share());
            if (app.standbys() != null) {
                System.out.println("  standbys       " + app.standbys());
            }
            System.out.println("  restarts       " + (!s.restartsOnExit() ? "none: a worker that exits is left stopped (--autorestart off)"
                    : "at once after a run that served; else after " + Durations.format(s.restartDelayMs()) + " (x1.5, max 15s); errored after "
                    + s.maxRestarts() + " restarts that each lived under " + Durations.format(s.minUptimeMs())));
            System.out.println("  timeouts       listen " + (s.listenTimeoutMs() == null ? app.readiness()
                    : s.servesNoPort() ? "0 (online at once: it serves no port)" : Durations.format(s.listenTimeoutMs())) + ", kill " + Durations.format(s.killTimeoutMs()));
            System.out.println("  telemetry      " + (s.jar() == null ? "only apps using the library report it" : !s.agent() ? "agent off (--no-agent)"
                    : LibraryJar.is(s.jar()) ? "from the cluster library the jar bundles (no agent)" : "agent on")
                    + "; lag threshold p99 " + Durations.format(s.lagThresholdMs()) + ", block threshold " + Durations.format(s.blockThresholdMs()));
            if (app.lag() != null && app.lag().samples() > 0) {
                System.out.println("  lag 10s        " + lagLine(app.lag()) + "  (all workers' samples merged)");
            }
            for (WorkerInfo w : app.workers()) {
                System.out.println();
                System.out.println("  worker " + s.name() + ":" + w.id() + "  " + w.state()
                        + (w.pid() == null ? "" : "  pid " + w.pid() + "  uptime " + Durations.format(w.uptimeMs()))
                        + "  restarts " + w.restarts());
                System.out.println("    last change  " + w.lastTransition());
                System.out.println("    last exit    " + (w.lastExit() == null ? "-" : w.lastExit()));
                System.out.println("    logs         " + w.outLog());
                System.out.println("                 " + w.errLog());
                if (w.startCache() != null) {
                    System.out.println("    start cache  " + w.startCache());
                }
                if (w.share() != null) {
                    System.out.println("    share        " + w.share());
                }
                if (w.jarOverwritten() != null) {
                    System.out.println("    JAR          " + w.jarOverwritten() + " while it runs from it: its classes may fail to load; 'cluster reload "
                            + w.app() + "' now");
                }
                if (w.outputDropped() != null) {
                    System.out.println("    DROPPING     its output: " + w.outputDropped());
                }
                if (Boolean.TRUE.equals(w.paused())) {
                    System.out.println("    PAUSED       its process is stopped (SIGSTOP, a debugger) and serves nothing; " + w.whilePaused()
                            + "; 'kill -CONT " + w.pid() + "' resumes it");
                }
                if (w.telemetry() != null) {
                    printTelemetry(w);
                }
                if (w.lastOutput() != null && !w.lastOutput().isEmpty()) {
                    System.out.println("    last " + w.lastOutputStream() + " lines of the run that exited:");
                    w.lastOutput().forEach(line -> System.out.println("      | " + line));
                }
            }
        }
        return 0;
    }

    private static void printTelemetry(WorkerInfo w) {
        TelemetryInfo t = w.telemetry();
        if (w.pid() != null) {
            System.out.println("    process      cpu " + (w.cpu() == null ? "-" : WorkerTable.percent(w.cpu()))
                    + "  rss " + WorkerTable.bytes(w.rssBytes()) + "  threads " + (t.osThreads() == null ? "-" : t.osThreads()));
        }
        if (t.reporter() == null) {
            System.out.println("    telemetry    none reported (not a jar app with the agent, and not using the library)");
            return;
        }
        if (w.heapUsedBytes() != null) {
            System.out.println("    jvm          heap " + WorkerTable.bytes(w.heapUsedBytes()) + " used / " + WorkerTable.bytes(t.heapCommittedBytes())
                    + " committed / " + WorkerTable.bytes(t.heapMaxBytes()) + " max, " + t.jvmThreads() + " threads"
                    + (t.cpuTimeMs() == null ? "" : ", " + Durations.format(t.cpuTimeMs()) + " CPU time"));
        }
        System.out.println("    gc           " + t.gcCount() + " collections, " + Durations.format(t.gcPauseMs()) + " paused in all");
        if (w.memory() != null) {
            System.out.println("    live set     " + memoryLine(w.memory()));
        }
        if (t.pools() != null && !t.pools().isEmpty()) {
            System.out.println("    pools        busy/max, waiting, rejected");
            int nameWidth = t.pools().stream().mapToInt(p -> p.name().length()).max().orElse(0);
            for (PoolInfo p : t.pools()) {
                System.out.println(poolLine(p, nameWidth));
            }
        }
        System.out.println("    lag          " + (t.loops().isEmpty() ? "of the JVM timer thread (" + t.reporter() + ": no event loops registered)"
                : "of " + t.loops().size() + " event loops, merged"));
        t.lag().forEach((window, lag) -> System.out.println(String.format("      %-10s %s", window, lagLine(lag))));
        if (t.processes() != null && t.processes().size() > 1) {
            // The history spans restarts and reloads: say which process each part of the windows is from.
            System.out.println("      processes  " + String.join(", ", t.processes().stream().map(p -> "pid " + p.pid() + " from "
                    + Instant.ofEpochMilli(p.atEpochMs()).truncatedTo(ChronoUnit.SECONDS)).toList()));
        }
        System.out.println(String.format("      %-10s %s", "jvm 10s", lagLine(t.jvmLag())));
        for (TelemetryInfo.Loop loop : t.loops()) {
            System.out.println("      loop " + loop.name() + ": last second p99 " + WorkerTable.millis(loop.lag().p99Ms())
                    + ", max " + WorkerTable.millis(loop.lag().maxMs()) + ", " + loop.pendingTasks() + " tasks pending"
                    + (loop.stalledMs() > 0 ? ", STALLED for " + loop.stalledMs() + " ms" : ""));
        }
        if (t.refused() != null) {
            System.out.println("    refused      " + t.refused());
        }
        System.out.println("    stalls       " + t.stalls() + (t.starvedStalls() == 0 ? "" : " (" + t.starvedStalls() + " of them waiting for a processor, not in code)")
                + (t.blocked().isEmpty() ? "" : "; the last ones, newest first:"));
        for (BlockedReport b : t.blocked()) {
            System.out.println("      " + Instant.ofEpochMilli(b.startedAtEpochMs()).truncatedTo(ChronoUnit.SECONDS) + "  " + b.loop()
                    + " blocked " + b.durationMs() + " ms at " + b.culprit());
            b.stack().stream().limit(STACK_FRAMES).forEach(frame -> System.out.println("          at " + frame));
            if (b.stack().size() > STACK_FRAMES) {
                System.out.println("          ... " + (b.stack().size() - STACK_FRAMES) + " more (describe --json has them all)");
            }
        }
    }

    /**
     * "      tomcat    http-nio-8080        8/8, 32 waiting, FULL for 6s": a pool's line under {@code pools}, its name
     * padded to 20 or to the longest of the worker's pool names ({@code nameWidth}), so that the figures line up.
     */
    static String poolLine(PoolInfo p, int nameWidth) {
        return String.format("      %-9s %-" + Math.max(20, nameWidth) + "s %d/%d, %s%s%s", p.kind(), p.name(), p.active(), p.max(),
                p.queued() < 0 ? "waiting not counted" : p.queued() + " waiting",
                p.rejections() >= 0 ? ", " + p.rejections() + " rejected" : "",
                p.fullForMs() > 0 ? (p.marked() ? ", FULL" : ", full") + " for " + Durations.format(p.fullForMs()) : "");
    }

    /** "41M after GC, +2.1M/min over the last minutes: CLIMBING, -Xmx in 12m at this rate" */
    static String memoryLine(MemoryInfo m) {
        String line = WorkerTable.bytes(m.liveBytes()) + " after GC, " + (m.bytesPerMinute() >= 0 ? "+" : "-")
                + WorkerTable.bytes(Math.round(Math.abs(m.bytesPerMinute()))) + "/min over the last minutes";
        if (!m.climbing()) {
            return line + ": steady";
        }
        return line + ": CLIMBING (a leak?)" + (m.untilLimitMs() == null ? "" : ", " + m.limit() + " reached in "
                + Durations.format(m.untilLimitMs()) + " at this rate");
    }

    private static String lagLine(LagSummary lag) {
        if (lag == null || lag.samples() == 0) {
            return "no samples";
        }
        return "p50 " + WorkerTable.millis(lag.p50Ms()) + "  p90 " + WorkerTable.millis(lag.p90Ms()) + "  p99 " + WorkerTable.millis(lag.p99Ms())
                + "  max " + WorkerTable.millis(lag.maxMs()) + "  (" + lag.samples() + " samples)";
    }
}
