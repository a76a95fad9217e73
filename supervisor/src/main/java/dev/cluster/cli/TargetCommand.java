package dev.cluster.cli;

import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** The shape of stop, restart and delete: send the verb with a target, print the resulting table. */
abstract class TargetCommand implements Callable<Integer> {
    @Parameters(paramLabel = "APP|APP:ID|ID|all|FILE", description = "What to act on (an ecosystem file: those of its apps the supervisor has).")
    String target;

    /** The request for the target. */
    abstract Request request(String target);

    @Override
    public Integer call() {
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        if (StartCommand.namesAFile(target)) {
            return forFile(client, Path.of(target));
        }
        ListCommand.printOutcome(ControlClient.ok(client.call(request(target))));
        return 0;
    }

    /** An ecosystem file stands for those of its apps the supervisor has (PM2's {@code pm2 stop ecosystem.config.js}). */
    private Integer forFile(ControlClient client, Path file) {
        List<String> names = StartCommand.fileApps(file, null, List.of()).stream().map(AppSpec::name).toList();
        Set<String> known = StartCommand.workers(client).stream().map(WorkerInfo::app).collect(Collectors.toSet());
        List<String> ours = names.stream().filter(known::contains).toList();
        if (ours.isEmpty()) {
            throw new UserError("none of the apps of " + file + " (" + String.join(", ", names) + ") is known to the supervisor: 'cluster start "
                    + file + "' starts them");
        }
        names.stream().filter(name -> !known.contains(name)).forEach(name -> System.err.println("cluster: app '" + name + "' of " + file
                + " is not known to the supervisor: left out ('cluster start " + file + " --only " + name + "' starts it)"));
        Response response = null;
        for (String name : ours) {
            response = ControlClient.ok(client.call(request(name)));
            System.out.println(response.message());
        }
        System.out.print(WorkerTable.list(response, false, Terminal.colour(), Terminal.columns())); // every app's workers
        return 0;
    }
}
