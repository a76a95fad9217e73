package dev.cluster.cli;

import dev.cluster.config.AppSpecValidator;
import dev.cluster.config.ShellPath;
import dev.cluster.config.StartOption;
import dev.cluster.config.StartOptions;
import dev.cluster.protocol.AppSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code start} and {@code run} accept to describe an app, turned into an {@link AppSpec}. The
 * program, {@code --name}, {@code --cwd} and {@code --env} are read here; every other option comes
 * from its declaration in {@link StartOptions} ({@link #addTo}), as the ecosystem file's keys do.
 */
final class AppOptions {
    @Parameters(paramLabel = "JAR | COMMAND", arity = "0..*",
            description = "A jar (then its arguments), or after '--' any command and its arguments.")
    List<String> program = List.of();

    @Option(names = "--name", paramLabel = "NAME", description = "App name (default: the jar or command's file name).")
    String name;

    @Option(names = "--env", paramLabel = "KEY=VALUE|NAME",
            description = "Environment variable for the workers; repeatable. With an ecosystem file: the NAME of the env-NAME blocks to use.")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory of the workers (default: the current directory).")
    Path cwd;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Gives a command ({@code start}, {@code run}) the options declared in {@link StartOptions}, as texts read by their declarations. */
    static void addTo(CommandSpec spec) {
        for (StartOption o : StartOptions.regular()) {
            if (o.cli().isEmpty()) {
                continue;
            }
            boolean flag = o.kind() == StartOption.Kind.FLAG;
            String label = o.kind() == StartOption.Kind.CHOICE ? String.join("|", o.choices()) : o.kind().label();
            spec.addOption(OptionSpec.builder(o.cli().toArray(String[]::new))
                    .type(flag ? boolean.class : String.class).arity(flag ? "0" : "1").paramLabel(label)
                    // picocli reads a description as a format string: a literal '%' must be doubled
                    .description((o.description().replace("`", "") + (flag || o.defaultText().isEmpty() ? "" : " (default: " + o.defaultText() + ")"))
                            .replace("%", "%%"))
                    .build());
        }
    }

    boolean hasProgram() {
        return !program.isEmpty();
    }

    AppSpec toSpec() {
        Path dir = ShellPath.absolute(cwd == null ? Path.of("") : cwd);
        String first = program.get(0);
        boolean isJar = first.endsWith(".jar");
        AppSpec.Builder spec = AppSpec.builder()
                .name(name != null ? name : AppSpecValidator.nameFrom(Path.of(first).getFileName().toString()))
                .jar(isJar ? dir.resolve(first).normalize().toString() : null)
                .command(isJar ? List.of() : List.of(first))
                .args(program.subList(1, program.size()))
                .cwd(dir.toString())
                .env(variables(env));
        int cores = Runtime.getRuntime().availableProcessors();
        for (StartOption o : StartOptions.regular()) {
            OptionSpec given = o.cli().isEmpty() ? null : command.findOption(o.cli().get(o.cli().size() - 1));
            Object raw = given == null ? null : given.getValue();
            if (o.kind() == StartOption.Kind.FLAG) {
                if (!Boolean.TRUE.equals(raw)) {
                    continue;
                }
                raw = !o.negatedOnCli();
            } else if (raw == null) {
                continue;
            }
            try {
                o.set().accept(spec, o.read(raw, cores));
            } catch (IllegalArgumentException e) {
                throw new UserError(StartOption.refusal(o.longName(), e));
            }
        }
        return StartOptions.withJavaIn(spec.build(), dir);
    }

    /** The --env values as variables: each must be KEY=VALUE. */
    static Map<String, String> variables(List<String> env) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String value : env) {
            int eq = value.indexOf('=');
            if (eq < 1) {
                throw new UserError("--env takes KEY=VALUE (got '" + value + "'); a bare name selects the env-NAME blocks of an ecosystem file");
            }
            variables.put(value.substring(0, eq), value.substring(eq + 1));
        }
        return variables;
    }

    /** The --env value of an ecosystem file's start or reload: one environment name, or null. */
    static String environment(List<String> env) {
        if (env.size() > 1 || env.stream().anyMatch(v -> v.contains("="))) {
            throw new UserError("with an ecosystem file, --env takes one environment name (its variables go in the file's env blocks), got " + env);
        }
        return env.isEmpty() ? null : env.get(0);
    }
}
