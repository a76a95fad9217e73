package dev.cluster.cli;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** The shape of stop, restart and delete: send the verb with a target, print the resulting table. */
abstract class TargetCommand implements Callable<Integer> {
    @Parameters(paramLabel = "APP|APP:ID|ID|all", description = "What to act on.")
    String target;

    /** The request for the target. */
    abstract Request request(String target);

    @Override
    public Integer call() {
        Response response = ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).call(request(target)));
        ListCommand.printOutcome(response);
        return 0;
    }
}
