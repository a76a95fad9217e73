package dev.cluster.cli;

import picocli.CommandLine.Command;

@Command(name = "delete", description = "Stop an app's workers and forget the app.")
final class DeleteCommand extends TargetCommand {
    @Override
    String verb() {
        return "delete";
    }
}
