package dev.cluster.cli;

import dev.cluster.daemon.Home;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.protocol.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "list", aliases = "ls", description = "Show every worker: state, uptime, restarts, CPU, memory, heap, event-loop lag.")
final class ListCommand implements Callable<Integer> {
    @Option(names = "--json", description = "A JSON array, one object per worker (a stable contract: see README).")
    boolean json;

    @Override
    public Integer call() {
        ControlClient client = new ControlClient(Home.fromEnvironment());
        print(client.daemonRunning() ? ControlClient.ok(client.call(Request.of("list"))) : null, json);
        return 0;
    }

    /** What stop, restart, delete, reload and scale print: the daemon's one-line summary, then the table. */
    static void printOutcome(Response response) {
        System.out.println(response.message());
        print(response, false);
    }

    /** The response's workers as a table or the JSON array (none when there is no response: no daemon runs). */
    static void print(Response response, boolean json) {
        List<WorkerInfo> workers = response == null || response.workers() == null ? List.of() : response.workers();
        if (json) {
            System.out.println(new String(Wire.encode(workers), java.nio.charset.StandardCharsets.UTF_8).trim());
        } else {
            System.out.print(WorkerTable.render(workers, response == null ? null : response.lag(), Terminal.colour()));
        }
    }
}
