package dev.cluster.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void everySubcommandAnswersHelpAndExitsZero() {
        for (String command : new String[] {"start", "list", "describe", "metrics", "run", "reload", "logs"}) {
            assertEquals(0, Main.execute(command, "--help"), command + " --help");
            assertEquals(0, Main.execute(command, "-h"), command + " -h");
        }
    }

    /** {@code cluster help} lists each command with its description's first line: it must be a whole sentence. */
    @Test
    void everyCommandsFirstLineOfHelpIsAWholeSentence() {
        Main.commandLine().getSubcommands().forEach((name, command) -> {
            String[] description = command.getCommandSpec().usageMessage().description();
            assertTrue(description.length > 0 && description[0].strip().endsWith("."), name + ": " + String.join(" / ", description));
        });
    }

    /** What {@code cluster COMMAND --help} prints, on stdout and stderr. */
    private static String help(String command) {
        return printed(0, command, "--help");
    }

    /** What {@code cluster ARGS} prints, on stdout and stderr, asserting its exit code. */
    private static String printed(int exit, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            assertEquals(exit, Main.execute(args), String.join(" ", args));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    /** A command line that names a verb gets that verb's model alone; one that names none still sees them all. */
    @Test
    void helpAndAMistypedVerbSeeEveryVerb() {
        assertEquals(java.util.Set.of("describe"), Main.commandLine("describe", "web").getSubcommands().keySet());
        assertEquals(java.util.Set.of("list", "ls"), Main.commandLine("ls").getSubcommands().keySet());
        for (String[] args : new String[][] {{"help"}, {}, {"--version"}}) {
            String printed = printed(0, args);
            assertTrue(args.length == 1 && args[0].equals("--version") ? printed.contains("cluster 0.1.0")
                    : printed.contains("  scale ") && printed.contains("  doctor ") && printed.contains("  help "), String.join(" ", args) + ": " + printed);
        }
        assertTrue(printed(0, "help", "scale").contains("N|+N|-N|max"), "help VERB shows that verb's help");
        assertEquals("cluster: Unmatched argument at index 0: 'relaod': did you mean 'reload'? (see 'cluster --help')", printed(Main.EXIT_USAGE, "relaod").strip());
    }

    @Test
    void aPercentSignInAnOptionsDescriptionIsPrintedNotReadAsAFormat() {
        String help = help("start");
        assertFalse(help.contains("picocli WARN"), help);
        assertTrue(help.contains("25 % divided"), help);
    }

    @Test
    void helpNamesWhatAnOptionTakesNotItsFieldName() {
        String start = help("start");
        assertTrue(start.contains("--name=NAME") && start.contains("--cwd=DIR"), start);
        String logs = help("logs");
        assertTrue(logs.contains("--lines=N"), logs);
    }

    @Test
    void aMistypedOptionIsAUsageError() {
        assertEquals(Main.EXIT_USAGE, Main.execute("metrics", "--serve", "abc"));
    }

    @Test
    void aMisspeltOptionGetsTheNearestOneNamed() {
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            assertEquals(Main.EXIT_USAGE, Main.execute("start", "app.jar", "--instanses", "2"));
        } finally {
            System.setErr(err);
        }
        assertEquals("cluster: Unknown option: '--instanses': did you mean '--instances'? (see 'cluster start --help')",
                printed.toString(StandardCharsets.UTF_8).strip());
    }
}
