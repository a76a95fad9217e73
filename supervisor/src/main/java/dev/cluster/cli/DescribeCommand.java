package dev.cluster.cli;

import dev.cluster.daemon.Home;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.protocol.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "describe", description = "Everything known about an app or worker, including its last exit and stderr lines.")
final class DescribeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "APP|APP:ID|ID|all")
    String target;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        List<AppInfo> apps = ControlClient.ok(new ControlClient(Home.fromEnvironment()).call(Request.targeting("describe", target))).apps();
        if (json) {
            System.out.println(new String(Wire.encode(apps), StandardCharsets.UTF_8).trim());
            return 0;
        }
        for (AppInfo app : apps) {
            AppSpec s = app.spec();
            System.out.println("app " + s.name());
            System.out.println("  command        " + String.join(" ", app.commandLine()));
            System.out.println("  cwd            " + s.cwd());
            System.out.println("  instances      " + s.instances() + " on port " + s.port());
            if (!s.env().isEmpty()) {
                System.out.println("  env            " + s.env());
            }
            System.out.println("  restarts       first delay " + Durations.format(s.restartDelayMs()) + " (x1.5, max 15s); errored after "
                    + s.maxRestarts() + " restarts that each lived under " + Durations.format(s.minUptimeMs()));
            System.out.println("  timeouts       listen " + Durations.format(s.listenTimeoutMs()) + ", kill " + Durations.format(s.killTimeoutMs()));
            for (WorkerInfo w : app.workers()) {
                System.out.println();
                System.out.println("  worker " + s.name() + ":" + w.id() + "  " + w.state()
                        + (w.pid() == null ? "" : "  pid " + w.pid() + "  uptime " + Durations.format(w.uptimeMs()))
                        + "  restarts " + w.restarts());
                System.out.println("    last change  " + w.lastTransition());
                System.out.println("    last exit    " + (w.lastExit() == null ? "-" : w.lastExit()));
                System.out.println("    logs         " + w.outLog());
                System.out.println("                 " + w.errLog());
                if (w.stderrTail() != null && !w.stderrTail().isEmpty()) {
                    System.out.println("    last stderr lines of the run that exited:");
                    w.stderrTail().forEach(line -> System.out.println("      | " + line));
                }
            }
        }
        return 0;
    }
}
