package dev.cluster.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MainTest {
    @Test
    void everySubcommandAnswersHelpAndExitsZero() {
        for (String command : new String[] {"start", "list", "describe", "metrics", "run", "reload", "logs"}) {
            assertEquals(0, Main.execute(command, "--help"), command + " --help");
            assertEquals(0, Main.execute(command, "-h"), command + " -h");
        }
    }

    @Test
    void aMistypedOptionIsAUsageError() {
        assertEquals(Main.EXIT_USAGE, Main.execute("metrics", "--serve", "abc"));
    }
}
