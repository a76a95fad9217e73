package dev.cluster.cli;

import dev.cluster.daemon.Daemon;
import dev.cluster.home.Home;
import dev.cluster.home.UnsafePath;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "run", sortOptions = false,
        description = {"Run the supervisor in the foreground (systemd, containers), its log on stdout.",
                "SIGTERM/SIGINT stop every worker gracefully and exit 0. The control socket works meanwhile.",
                "  cluster run app.jar -i max"})
final class RunCommand implements Callable<Integer> {
    @Mixin
    AppOptions app;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics on http://127.0.0.1:PORT/metrics (default: $CLUSTER_METRICS_PORT, else off).")
    Integer metricsPort;

    @Option(names = "--resurrect", description = "Start the saved apps (see 'cluster save'); what the systemd unit runs.")
    boolean resurrect;

    @Override
    public Integer call() throws IOException {
        if (resurrect && app.hasProgram()) {
            throw new UserError("run takes either an app or --resurrect, not both: add the app with 'cluster start' once it runs");
        }
        Request initial = app.hasProgram() ? new Request.Start(app.toSpec()) : resurrect ? new Request.Resurrect() : null;
        if (metricsPort != null && (metricsPort < 1 || metricsPort > 65535)) {
            throw new UserError("--metrics-port must be between 1 and 65535 (got " + metricsPort + ")");
        }
        try {
            Daemon.run(Home.fromEnvironment(), ControlClient.ownJar(), initial, metricsPort, RunCommand::report);
        } catch (Daemon.AlreadyRunning | UnsafePath e) {
            throw new UserError(e.getMessage());
        }
        return 0;
    }

    private static void report(Response response) {
        if (response.ok()) {
            if (response.message() != null) {
                System.out.println(response.message());
            }
            System.out.print(WorkerTable.list(response, false, Terminal.colour()));
        } else {
            System.out.println("failed: " + response.error());
            if (response.details() != null) {
                response.details().forEach(line -> System.out.println("  | " + line));
            }
        }
    }
}
