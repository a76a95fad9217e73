package dev.cluster.cli;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "scale", description = {"Set an app's number of workers: N, +N, -N, or max (one per core).",
        "New workers get new ids and count once ready; scaling down drains the highest ids."})
final class ScaleCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "N|+N|-N|max")
    String count;

    @Override
    public Integer call() {
        Response response = ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).call(new Request.Scale(app, count), System.out::println));
        ListCommand.printOutcome(response);
        return 0;
    }
}
