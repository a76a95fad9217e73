package dev.cluster.cli;

import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;

@Command(name = "restart", description = "Stop then start workers, and wait until they are online; clears 'errored'.")
final class RestartCommand extends TargetCommand {
    @Override
    Request request(String target) {
        return new Request.Restart(target, null);
    }
}
