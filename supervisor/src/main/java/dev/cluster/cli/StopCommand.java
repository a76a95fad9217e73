package dev.cluster.cli;

import picocli.CommandLine.Command;

@Command(name = "stop", description = "Stop workers gracefully (drain, then SIGKILL after the kill timeout); they stay listed.")
final class StopCommand extends TargetCommand {
    @Override
    String verb() {
        return "stop";
    }
}
