package dev.cluster.cli;

import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;

@Command(name = "delete", description = "Stop an app's workers and forget the app.")
final class DeleteCommand extends TargetCommand {
    @Override
    Request request(String target) {
        return new Request.Delete(target);
    }
}
