package dev.cluster.cli;

import dev.cluster.config.EcosystemFile;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "run", sortOptions = false,
        description = {"Run the supervisor in the foreground (systemd, containers), its log on stdout.",
                "SIGTERM/SIGINT stop every worker gracefully and exit 0. The control socket works meanwhile.",
                "It exits 1 at once when the apps it was given cannot start at all (nothing to supervise),",
                "and when every app has ended errored (a crash loop), for systemd or the container to start it afresh.",
                "  cluster run app.jar -i max",
                "  cluster run cluster.yaml [--env production] [--only web,api]"})
final class RunCommand implements Callable<Integer> {
    @Mixin
    AppOptions app;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics on http://127.0.0.1:PORT/metrics (default: $CLUSTER_METRICS_PORT, else off).")
    Integer metricsPort;

    @Option(names = "--resurrect", description = "Start the saved apps (see 'cluster save'); what the systemd unit runs.")
    boolean resurrect;

    @Option(names = "--no-auto-exit", description = "Run on when every app is errored, instead of exiting 1 (PM2's option of that name).")
    boolean noAutoExit;

    @Option(names = "--only", split = ",", paramLabel = "APP[,APP...]", description = "With an ecosystem file: run only these of its apps.")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (resurrect && app.hasProgram()) {
            throw new UserError("run takes either an app or --resurrect, not both: add the app with 'cluster start' once it runs");
        }
        if (metricsPort != null && (metricsPort < 1 || metricsPort > 65535)) {
            throw new UserError("--metrics-port must be between 1 and 65535 (got " + metricsPort + ")");
        }
        boolean file = app.hasProgram() && EcosystemFile.names(app.program.get(0));
        if (!only.isEmpty() && !file) {
            throw new UserError("--only picks apps of an ecosystem file (cluster.yaml or cluster.json)");
        }
        List<Request> initial = file ? StartCommand.fileApps(app, only).stream().<Request>map(Request.Start::new).toList()
                : app.hasProgram() ? List.of(new Request.Start(app.toSpec())) : resurrect ? List.of(new Request.Resurrect()) : List.of();
        String ended;
        try {
            ended = Daemon.run(Home.fromEnvironment(), ControlClient.ownJar(), initial, metricsPort, !noAutoExit, RunCommand::report);
        } catch (Daemon.AlreadyRunning | UnsafePath e) {
            throw new UserError(e.getMessage());
        }
        if (ended != null) {
            throw new UserError(ended);
        }
        return 0;
    }

    private static void report(Response response) {
        if (response.ok()) {
            if (response.message() != null) {
                System.out.println(response.message());
            }
            System.out.print(WorkerTable.list(response, false, Terminal.colour(), Terminal.columns()));
        } else {
            System.out.println("failed: " + response.error());
            if (response.details() != null) {
                response.details().forEach(line -> System.out.println("  | " + line));
            }
        }
    }
}
