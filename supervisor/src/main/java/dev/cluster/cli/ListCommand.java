package dev.cluster.cli;

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
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        boolean colour = Terminal.colour();
        System.out.print(client.daemonRunning()
                ? ControlClient.ok(client.call(new Request.ListWorkers(json ? "json" : "table", colour))).message()
                : WorkerTable.list(null, json, colour));
        return 0;
    }

    /** What stop, restart, delete, reload and scale print: the daemon's one-line summary, then the table. */
    static void printOutcome(Response response) {
        System.out.println(response.message());
        System.out.print(WorkerTable.list(response, false, Terminal.colour()));
    }
}
