package dev.cluster.cli;

import dev.cluster.config.EcosystemFile;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import dev.cluster.view.Terminal;
import dev.cluster.view.WorkerTable;
import dev.cluster.worker.SlotState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "start", sortOptions = false,
        description = {"Start an app and wait until its workers are online.",
                "  cluster start app.jar -i max [-- app args]",
                "  cluster start --name api -i 2 -- ./server --flag",
                "  cluster start cluster.yaml [--env production] [--only web,api]",
                "  cluster start NAME   (an app whose workers are all stopped: starts it again)"})
final class StartCommand implements Callable<Integer> {
    @Mixin
    AppOptions app;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the workers as JSON (the 'list --json' format).")
    boolean json;

    @Option(names = "--only", split = ",", paramLabel = "APP[,APP...]", description = "With an ecosystem file: start only these of its apps.")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() {
        if (!app.hasProgram()) {
            throw new UserError("start needs a jar, a command or an ecosystem file: 'cluster start app.jar', 'cluster start -- ./server' "
                    + "or 'cluster start cluster.yaml'");
        }
        if (EcosystemFile.names(app.program.get(0))) {
            return startFile(Path.of(app.program.get(0)));
        }
        if (!only.isEmpty()) {
            throw new UserError("--only picks apps of an ecosystem file (cluster.yaml or cluster.json)");
        }
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        Response response = ControlClient.ok(anAppOfOursWithWorkersDown(client)
                ? client.call(new Request.Restart(app.program.get(0), true)) // as PM2's 'pm2 start NAME'
                : client.callStartingDaemon(new Request.Start(app.toSpec())));
        System.out.print(WorkerTable.list(response, json, Terminal.colour(), Terminal.columns()));
        return 0;
    }

    /**
     * Whether the command line is one word (no file here, no option but --json) naming an app of
     * ours with a worker stopped or errored: then those workers start again (its running ones are
     * left alone), rather than the name being refused as taken.
     */
    private boolean anAppOfOursWithWorkersDown(ControlClient client) {
        String word = app.program.get(0);
        boolean optionsGiven = spec.commandLine().getParseResult().matchedOptions().stream().anyMatch(o -> !o.longestName().equals("--json"));
        if (app.program.size() > 1 || optionsGiven || Files.exists(Path.of(word)) || !client.daemonRunning()) {
            return false;
        }
        List<String> down = Stream.of(SlotState.values()).filter(SlotState::waitsForAStart).map(SlotState::label).toList();
        return workers(client).stream().anyMatch(w -> w.app().equals(word) && w.id() >= 0 && down.contains(w.state())); // a standby's id is -1
    }

    static List<WorkerInfo> workers(ControlClient client) {
        List<WorkerInfo> workers = ControlClient.ok(client.call(new Request.ListWorkers(null, null, null))).workers();
        return workers == null ? List.of() : workers;
    }

    /** Whether a reload, stop, restart or delete target is an ecosystem file here: an app may be named {@code web.json} too. */
    static boolean namesAFile(String target) {
        return EcosystemFile.names(target) && Files.isRegularFile(Path.of(target));
    }

    /** The apps of the ecosystem file that {@code app} names (start, run), with its --env NAME and --only. */
    static List<AppSpec> fileApps(AppOptions app, List<String> only) {
        if (app.program.size() > 1) {
            throw new UserError("an ecosystem file takes no arguments after it (got " + app.program.subList(1, app.program.size())
                    + "): put them in the app's 'args'");
        }
        return fileApps(Path.of(app.program.get(0)), AppOptions.environment(app.env), only);
    }

    /** The apps of an ecosystem file, {@code env-ENVIRONMENT} merged in if given, those of {@code only} if any; the file checked as a whole. */
    static List<AppSpec> fileApps(Path file, String environment, List<String> only) {
        try {
            return EcosystemFile.read(file, environment, new LinkedHashSet<>(only), Runtime.getRuntime().availableProcessors());
        } catch (EcosystemFile.Invalid e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * Every app of the file, checked as a whole before the first one starts: a bad file changes
     * nothing that runs. Options besides --env and --only belong in the file.
     */
    private Integer startFile(Path file) {
        List<AppSpec> specs = fileApps(app, only);
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        if (client.daemonRunning()) {
            Set<String> running = new HashSet<>();
            workers(client).forEach(w -> running.add(w.app()));
            for (AppSpec spec : specs) {
                if (running.contains(spec.name())) {
                    throw new UserError("app '" + spec.name() + "' of " + file + " is already running: 'cluster reload " + file
                            + "' brings the file's env, jvm-args and java to its apps without downtime; or leave it out with --only");
                }
            }
        }
        Response response = null;
        for (AppSpec spec : specs) {
            response = ControlClient.ok(client.callStartingDaemon(new Request.Start(spec)));
        }
        System.out.print(WorkerTable.list(response, json, Terminal.colour(), Terminal.columns()));
        return 0;
    }
}
