package dev.cluster.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.List;

/** The {@code cluster} command: one subcommand class per verb. */
@Command(name = "cluster", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "cluster " + Main.VERSION,
        description = "Supervises JVM services: one worker per core on one SO_REUSEPORT port.")
public final class Main implements Runnable {
    static final String VERSION = "0.1.0";
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    /** Every verb, in the order help lists them. */
    private static final List<Class<?>> VERBS = List.of(StartCommand.class, ListCommand.class, DescribeCommand.class, StopCommand.class,
            RestartCommand.class, ReloadCommand.class, ScaleCommand.class, DeleteCommand.class, LogsCommand.class, PingCommand.class,
            MonitCommand.class, FlushCommand.class, SaveCommand.class, ResurrectCommand.class, StartupCommand.class, MetricsCommand.class,
            SignalCommand.class, KillCommand.class, ProfileCommand.class, RunCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        CommandLine cli = commandLine(args);
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> failure(e, commandLine.getErr()));
        return cli.execute(args);
    }

    /**
     * The command line with the verbs {@code args} can need. picocli builds a verb's model from its
     * annotations as it is added, ~120 ms for all of them, more than most commands take; so a command
     * line that starts with a verb gets that verb alone. Anything else (no verb, {@code help}, an
     * option, a mistyped verb that wants a suggestion) gets them all.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        Class<?> named = args.length == 0 ? null : VERBS.stream().filter(verb -> {
            Command command = verb.getAnnotation(Command.class);
            return command.name().equals(args[0]) || List.of(command.aliases()).contains(args[0]);
        }).findFirst().orElse(null);
        (named == null || named == CommandLine.HelpCommand.class ? VERBS : List.of(named)).forEach(cli::addSubcommand);
        for (String command : new String[] {"start", "run"}) {
            if (cli.getSubcommands().containsKey(command)) {
                AppOptions.addTo(cli.getSubcommands().get(command).getCommandSpec());
            }
        }
        return cli;
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }

    /** A mistyped command line: one line saying what is wrong and where help is. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String help = cmd.getCommandSpec().qualifiedName() + " --help";
        String guess = e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()
                ? ": did you mean '" + unmatched.getSuggestions().get(0) + "'?" : "";
        cmd.getErr().println("cluster: " + e.getMessage() + guess + " (see '" + help + "')");
        return EXIT_USAGE;
    }

    private static int failure(Exception e, PrintWriter err) {
        if (e instanceof UserError user) {
            err.println("cluster: " + user.getMessage());
            user.details().forEach(line -> err.println("  | " + line));
        } else if (e instanceof CommandLine.TypeConversionException conversion) {
            err.println("cluster: " + conversion.getMessage());
            return EXIT_USAGE;
        } else {
            err.println("cluster: internal error: " + e + " (set CLUSTER_DEBUG=1 for the stack trace)");
            if (System.getenv("CLUSTER_DEBUG") != null) {
                e.printStackTrace(err);
            }
        }
        err.flush();
        return EXIT_FAILURE;
    }
}
