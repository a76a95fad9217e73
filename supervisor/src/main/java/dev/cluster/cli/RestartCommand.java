package dev.cluster.cli;

import picocli.CommandLine.Command;

@Command(name = "restart", description = "Stop then start workers, and wait until they are online; clears 'errored'.")
final class RestartCommand extends TargetCommand {
    @Override
    String verb() {
        return "restart";
    }
}
