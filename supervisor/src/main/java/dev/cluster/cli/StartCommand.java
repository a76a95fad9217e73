package dev.cluster.cli;

import dev.cluster.daemon.Home;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "start", sortOptions = false,
        description = {"Start an app and wait until its workers are online.",
                "  cluster start app.jar -i max [-- app args]",
                "  cluster start --name api -i 2 -- ./server --flag"})
final class StartCommand implements Callable<Integer> {
    @Mixin
    AppOptions app;

    @Option(names = "--json", description = "Print the workers as JSON (the 'list --json' format).")
    boolean json;

    @Override
    public Integer call() {
        if (!app.hasProgram()) {
            throw new UserError("start needs a jar or a command: 'cluster start app.jar' or 'cluster start -- ./server'");
        }
        Response response = ControlClient.ok(new ControlClient(Home.fromEnvironment()).callStartingDaemon(Request.start(app.toSpec())));
        System.out.print(WorkerTable.list(response, json, Terminal.colour()));
        return 0;
    }
}
