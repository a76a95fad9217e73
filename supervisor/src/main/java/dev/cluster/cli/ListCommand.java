package dev.cluster.cli;

import dev.cluster.daemon.SavedApps;
import dev.cluster.home.Home;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "list", aliases = "ls", description = "Show every worker: state, uptime, restarts, CPU, memory, heap, event-loop lag.")
final class ListCommand implements Callable<Integer> {
    @Option(names = "--json", description = "A JSON array, one object per worker (a stable contract: see README).")
    boolean json;

    @Override
    public Integer call() {
        Home home = ControlClient.verifiedHome();
        ControlClient client = new ControlClient(home);
        boolean colour = Terminal.colour();
        if (client.daemonRunning()) {
            System.out.print(ControlClient.ok(client.call(new Request.ListWorkers(json ? "json" : "table", colour, Terminal.columns()))).message());
            return 0;
        }
        client.requireNoUnreachableDaemon();
        String saved = SavedApps.summary(home.dir());
        if (saved == null) {
            System.out.print(WorkerTable.list(null, json, colour, 0));
            return 0;
        }
        // Nothing runs, yet apps were: a supervisor that died or a reboot. Say so, not "no apps".
        if (json) {
            System.out.print(WorkerTable.list(null, true, false, 0));
        }
        System.err.println("cluster: no supervisor is running on " + home.dir() + "; " + saved + ": 'cluster resurrect' starts them again");
        return 1;
    }

    /** What stop, restart, delete, reload and scale print: the daemon's one-line summary, then the table. */
    static void printOutcome(Response response) {
        System.out.println(response.message());
        System.out.print(WorkerTable.list(response, false, Terminal.colour(), Terminal.columns()));
    }
}
