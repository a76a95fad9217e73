package dev.cluster.cli;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "reload", description = {"Zero-downtime rolling reload: per worker, start a replacement, wait until it is ready, then drain the old one.",
        "A replacement that fails stops the reload; the old workers keep serving.",
        "A deploy: replace the jar file, then 'cluster reload APP'."})
final class ReloadCommand implements Callable<Integer> {
    @Parameters(paramLabel = "APP|all")
    String target;

    @Option(names = "--parallel", paramLabel = "K", defaultValue = "1", description = "Workers replaced at a time (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--update-env", description = "Apply the --env and --jvm-args given here to the new workers (and keep them).")
    boolean updateEnv;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "With --update-env: the app's new environment (replaces the old); repeatable.")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--jvm-args", paramLabel = "\"ARGS\"", description = "With --update-env: the app's new JVM options, space-separated.")
    String jvmArgs;

    @Override
    public Integer call() {
        if ((!env.isEmpty() || jvmArgs != null) && !updateEnv) {
            throw new UserError("--env and --jvm-args on reload need --update-env (they replace the app's settings)");
        }
        // null leaves the app's setting as it is; the check above makes both null without --update-env
        List<String> newJvmArgs = jvmArgs == null ? null : jvmArgs.isBlank() ? List.of() : List.of(jvmArgs.trim().split("\\s+"));
        Request request = new Request.Reload(target, parallel, env.isEmpty() ? null : env, newJvmArgs);
        Response response = ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).call(request, System.out::println));
        ListCommand.printOutcome(response);
        return 0;
    }
}
