package dev.cluster.cli;

import dev.cluster.config.EcosystemFile;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "start", sortOptions = false,
        description = {"Start an app and wait until its workers are online.",
                "  cluster start app.jar -i max [-- app args]",
                "  cluster start --name api -i 2 -- ./server --flag",
                "  cluster start cluster.yaml [--env production] [--only web,api]"})
final class StartCommand implements Callable<Integer> {
    @Mixin
    AppOptions app;

    @Option(names = "--json", description = "Print the workers as JSON (the 'list --json' format).")
    boolean json;

    @Option(names = "--only", split = ",", paramLabel = "APP[,APP...]", description = "With an ecosystem file: start only these of its apps.")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() {
        if (!app.hasProgram()) {
            throw new UserError("start needs a jar, a command or an ecosystem file: 'cluster start app.jar', 'cluster start -- ./server' "
                    + "or 'cluster start cluster.yaml'");
        }
        if (EcosystemFile.names(app.program.get(0))) {
            return startFile(Path.of(app.program.get(0)));
        }
        if (!only.isEmpty()) {
            throw new UserError("--only picks apps of an ecosystem file (cluster.yaml or cluster.json)");
        }
        Response response = ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).callStartingDaemon(new Request.Start(app.toSpec())));
        System.out.print(WorkerTable.list(response, json, Terminal.colour()));
        return 0;
    }

    /**
     * Every app of the file, checked as a whole before the first one starts: a bad file changes
     * nothing that runs. Options besides --env and --only belong in the file.
     */
    private Integer startFile(Path file) {
        if (app.program.size() > 1) {
            throw new UserError("an ecosystem file takes no arguments after it (got " + app.program.subList(1, app.program.size())
                    + "): put them in the app's 'args'");
        }
        List<AppSpec> specs;
        try {
            specs = EcosystemFile.read(file, app.environment(), new LinkedHashSet<>(only), Runtime.getRuntime().availableProcessors());
        } catch (EcosystemFile.Invalid e) {
            throw new UserError(e.getMessage());
        }
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        if (client.daemonRunning()) {
            Set<String> running = new HashSet<>();
            List<WorkerInfo> workers = ControlClient.ok(client.call(new Request.ListWorkers(null, null))).workers();
            (workers == null ? List.<WorkerInfo>of() : workers).forEach(w -> running.add(w.app()));
            for (AppSpec spec : specs) {
                if (running.contains(spec.name())) {
                    throw new UserError("app '" + spec.name() + "' of " + file + " is already running: 'cluster reload " + spec.name()
                            + "' to update it, or leave it out with --only");
                }
            }
        }
        Response response = null;
        for (AppSpec spec : specs) {
            response = ControlClient.ok(client.callStartingDaemon(new Request.Start(spec)));
        }
        System.out.print(WorkerTable.list(response, json, Terminal.colour()));
        return 0;
    }
}
