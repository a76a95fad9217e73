package dev.cluster.cli;

import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "resurrect", description = "Start every saved app that is not running (after a reboot, or a supervisor that died); "
        + "a damaged apps.json is reported and its backup used.")
final class ResurrectCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        ListCommand.printOutcome(ControlClient.ok(client.callStartingDaemon(new Request.Resurrect())));
        return 0;
    }
}
