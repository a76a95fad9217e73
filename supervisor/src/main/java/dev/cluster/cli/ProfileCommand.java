package dev.cluster.cli;

import dev.cluster.home.Home;
import dev.cluster.profile.Profiler;
import dev.cluster.protocol.AppInfo;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.WorkerInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

@Command(name = "profile", description = {"A CPU profile of a running worker as a flame graph: one SVG file a browser opens.",
        "From the JDK's Flight Recorder through jcmd: no restart, nothing changed in the app.",
        "  cluster profile web:0                 30 s of worker 0 of 'web'",
        "  cluster profile web --seconds 10 --out /tmp/web.svg"})
final class ProfileCommand implements Callable<Integer> {
    static final int MAX_SECONDS = 3600;

    @Parameters(paramLabel = "APP:ID|APP", description = "The worker; an app alone means its first online worker.")
    String target;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "30", description = "How long to record (1-" + MAX_SECONDS + "; default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the SVG (default: profile-APP-ID-TIME.svg here).")
    Path out;

    @Override
    public Integer call() {
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new UserError("--seconds " + seconds + " is out of range: give 1 to " + MAX_SECONDS);
        }
        Home home = ControlClient.verifiedHome();
        System.out.println(profile(home, new ControlClient(home), target, seconds, out, System.err::println));
        return 0;
    }

    /**
     * Profiles the worker {@code target} names and writes the flame graph to {@code out} (null: a
     * file named for it here); returns the line that says where. Also monit's 'p'.
     *
     * @throws UserError what went wrong, in one line
     */
    static String profile(Home home, ControlClient client, String target, int seconds, Path out, Consumer<String> progress) {
        List<AppInfo> apps = ControlClient.ok(client.call(new Request.Describe(target, null))).apps();
        if (apps.size() != 1) {
            throw new UserError("'" + target + "' names " + apps.size() + " apps: profile one worker, as APP:ID or APP");
        }
        AppInfo app = apps.get(0);
        WorkerInfo worker = app.workers().stream().filter(w -> "online".equals(w.state()) && w.pid() != null).findFirst()
                .orElseThrow(() -> new UserError("no online worker in '" + target + "': 'cluster list' shows their states"));
        Path file = out != null ? out : Path.of("profile-" + app.spec().name() + "-" + worker.id() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".svg");
        progress.accept("profiling " + app.spec().name() + ":" + worker.id() + " (pid " + worker.pid() + ") for " + seconds + " s...");
        try {
            return Profiler.profileWorker(home, app.spec(), worker, seconds, file);
        } catch (Profiler.Failure e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot write the profile: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while profiling");
        }
    }
}
