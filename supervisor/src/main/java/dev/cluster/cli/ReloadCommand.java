package dev.cluster.cli;

import dev.cluster.config.ShellPath;
import dev.cluster.config.StartOptions;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "reload", description = {"Zero-downtime rolling reload: per worker, start a replacement, wait until it is ready, then drain the old one.",
        "A replacement that fails stops the reload; the old workers keep serving.",
        "A deploy: replace the jar file, then 'cluster reload APP'. An ecosystem file: its apps, with its env, jvm-args and java."})
final class ReloadCommand implements Callable<Integer> {
    @Parameters(paramLabel = "APP|all|FILE")
    String target;

    @Option(names = "--parallel", paramLabel = "K", defaultValue = "1", description = "Workers replaced at a time (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--update-env", description = "Apply the --env, --jvm-args and --java given here to the new workers (and keep them).")
    boolean updateEnv;

    @Option(names = "--env", paramLabel = "KEY=VALUE|NAME", description = "With --update-env: the app's new environment (replaces the old); "
            + "repeatable. With an ecosystem file: the NAME of the env-NAME blocks to use.")
    List<String> env = new ArrayList<>();

    @Option(names = "--jvm-args", paramLabel = "\"ARGS\"", description = "With --update-env: the app's new JVM options, space-separated.")
    String jvmArgs;

    @Option(names = "--java", paramLabel = "PATH", description = "With --update-env: the java the app's new workers run on (a java "
            + "executable or a JDK's home; relative to the current directory).")
    String java;

    @Option(names = "--only", split = ",", paramLabel = "APP[,APP...]", description = "With an ecosystem file: reload only these of its apps.")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() {
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        if (StartCommand.namesAFile(target)) {
            return reloadFile(client, Path.of(target));
        }
        if (!only.isEmpty()) {
            throw new UserError("--only picks apps of an ecosystem file (cluster.yaml or cluster.json)");
        }
        if ((!env.isEmpty() || jvmArgs != null || java != null) && !updateEnv) {
            throw new UserError("--env, --jvm-args and --java on reload need --update-env (they replace the app's settings)");
        }
        Map<String, String> newEnv = AppOptions.variables(env);
        // null leaves the app's setting as it is; the check above makes all three null without --update-env
        List<String> newJvmArgs = jvmArgs == null ? null : jvmArgs.isBlank() ? List.of() : List.of(jvmArgs.trim().split("\\s+"));
        String newJava = java == null ? null : StartOptions.javaIn(java, ShellPath.absolute(Path.of("")));
        Response response = ControlClient.ok(client.call(new Request.Reload(target, parallel, newEnv.isEmpty() ? null : newEnv, newJvmArgs,
                newJava), System.out::println));
        ListCommand.printOutcome(response);
        return 0;
    }

    /**
     * Every app of the file (or of --only) reloaded with the file's env, jvm-args and java, as PM2's
     * {@code pm2 reload ecosystem.config.js}: checked as a whole first, so that a file that names an
     * app not running, or changes what a reload cannot (its jar, port, count…), reloads nothing.
     */
    private Integer reloadFile(ControlClient client, Path file) {
        if (updateEnv || jvmArgs != null || java != null) {
            throw new UserError("an ecosystem file's reload takes its env, jvm-args and java from the file: edit it, and drop --update-env, "
                    + "--jvm-args and --java");
        }
        List<AppSpec> specs = StartCommand.fileApps(file, AppOptions.environment(env), only);
        for (AppSpec spec : specs) {
            Response described = client.call(new Request.Describe(spec.name(), Boolean.TRUE));
            List<AppInfo> running = described.ok() ? described.apps() : List.of();
            if (running == null || running.size() != 1 || !running.get(0).spec().name().equals(spec.name())) {
                throw new UserError("app '" + spec.name() + "' of " + file + " is not running: 'cluster start " + file + " --only "
                        + spec.name() + "' starts it (or leave it out with --only)");
            }
            String differs = StartOptions.unreloadable(spec, running.get(0).spec());
            if (differs != null) {
                throw new UserError("app '" + spec.name() + "' of " + file + ": its '" + differs + "' differs from the running app's, and a reload "
                        + "brings only env, jvm-args and java: " + (differs.equals("instances") ? "'cluster scale " + spec.name() + " "
                        + spec.instances() + "' for instances; else " : "") + "'cluster delete " + spec.name() + "', then 'cluster start "
                        + file + " --only " + spec.name() + "'");
            }
        }
        Response response = null;
        for (AppSpec spec : specs) {
            response = ControlClient.ok(client.call(new Request.Reload(spec.name(), parallel, spec.env(), spec.jvmArgs(), spec.java()), System.out::println));
            System.out.println(response.message());
        }
        System.out.print(WorkerTable.list(response, false, Terminal.colour(), Terminal.columns())); // every app's workers
        return 0;
    }
}
