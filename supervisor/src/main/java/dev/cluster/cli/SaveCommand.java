package dev.cluster.cli;

import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "save", description = "Write the app list to $CLUSTER_HOME/apps.json now (the supervisor also does on every change); 'resurrect' starts it again.")
final class SaveCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        System.out.println(ControlClient.ok(client.call(new Request.Save())).message());
        return 0;
    }
}
