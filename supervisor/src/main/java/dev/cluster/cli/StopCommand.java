package dev.cluster.cli;

import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;

@Command(name = "stop", description = "Stop workers gracefully (drain, then SIGKILL after the kill timeout); they stay listed.")
final class StopCommand extends TargetCommand {
    @Override
    Request request(String target) {
        return new Request.Stop(target);
    }
}
