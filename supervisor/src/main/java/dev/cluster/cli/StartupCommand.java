package dev.cluster.cli;

import dev.cluster.worker.OomKiller;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "startup", description = {"A systemd unit that runs the supervisor at boot with the saved apps ('cluster save').",
        "  cluster startup systemd --print > cluster.service      review it",
        "  sudo cluster startup systemd --user deploy --install   write, enable and start it"})
final class StartupCommand implements Callable<Integer> {
    @Parameters(paramLabel = "systemd", description = "The init system; systemd is the one supported.")
    String init;

    @Option(names = "--user", paramLabel = "USER", description = "The user the supervisor and its workers run as (default: you).")
    String user;

    @Option(names = "--print", description = "Print the unit (the default).")
    boolean print;

    @Option(names = "--install", description = "Write it to /etc/systemd/system/cluster-USER.service, enable and start it (as root).")
    boolean install;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!"systemd".equals(init)) {
            throw new UserError("startup supports 'systemd' only (got '" + init + "'): cluster startup systemd --print");
        }
        if (print && install) {
            throw new UserError("--print or --install, not both");
        }
        String who = user != null ? user : System.getProperty("user.name");
        Path userHome = homeOf(who);
        Path clusterHome = user == null ? ControlClient.verifiedHome().dir() : userHome.resolve(".cluster");
        String unit = unit(who, clusterHome);
        if (!install) {
            System.out.print(unit);
            return 0;
        }
        Path file = Path.of("/etc/systemd/system", "cluster-" + who + ".service");
        try {
            Files.writeString(file, unit);
        } catch (IOException e) {
            throw new UserError("cannot write " + file + " (" + e.getMessage() + "): run it as root (sudo), or use --print and install the unit yourself");
        }
        for (List<String> step : List.of(List.of("systemctl", "daemon-reload"), List.of("systemctl", "enable", "--now", file.getFileName().toString()))) {
            Process p = new ProcessBuilder(step).inheritIO().start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new UserError("wrote " + file + ", but '" + String.join(" ", step) + "' failed: run it by hand and see 'journalctl -u "
                        + file.getFileName() + "'");
            }
        }
        System.out.println("installed and started " + file + "; 'systemctl status " + file.getFileName() + "' shows it, "
                + "'systemctl reload' reloads every app without downtime");
        return 0;
    }

    /**
     * The unit. The supervisor itself is the main process ({@code cluster run}, with the daemon's JVM
     * options): it tells systemd when the apps are up (Type=notify) and keeps telling it that its loop
     * turns (WatchdogSec); SIGHUP reloads (ExecReload); on stop, SIGTERM to it alone, which drains
     * every worker, and SIGKILL to what is left only after the timeout (KillMode=mixed). The OOM killer takes any
     * worker before it (OOMScoreAdjust: a supervisor not run as root cannot lower its own score; its workers get 0 back).
     */
    static String unit(String user, Path clusterHome) {
        List<String> exec = new ArrayList<>();
        exec.add(ProcessHandle.current().info().command().orElse("/usr/bin/java"));
        exec.addAll(ControlClient.DAEMON_JVM_OPTIONS);
        exec.addAll(List.of("-jar", ControlClient.ownJar().toAbsolutePath().toString(), "run", "--resurrect"));
        return String.join("\n",
                "# cluster: the supervisor for " + user + "'s JVM services, with the apps saved by 'cluster save'.",
                "[Unit]",
                "Description=cluster supervisor (" + user + ")",
                "Documentation=" + word(ControlClient.ownJar().toAbsolutePath().getParent().getParent().getParent().resolve("README.md").toUri()
                        .toASCIIString(), false),
                "After=network-online.target",
                "Wants=network-online.target",
                "",
                "[Service]",
                "Type=notify",
                "NotifyAccess=main",
                "User=" + user,
                "Environment=" + word("CLUSTER_HOME=" + clusterHome, false),
                "ExecStart=" + String.join(" ", exec.stream().map(w -> word(w, true)).toList()),
                "ExecReload=/bin/kill -HUP $MAINPID",
                "KillMode=mixed",
                "TimeoutStopSec=60",
                "Restart=on-failure",
                "RestartSec=2",
                "WatchdogSec=30",
                "LimitNOFILE=65536",
                "OOMScoreAdjust=" + OomKiller.SUPERVISOR_SCORE,
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "");
    }

    /**
     * A word of a unit's line as systemd reads it back whatever it holds (a clone in {@code /opt/my tools}): {@code %}
     * doubled (a specifier), in a command line {@code $} doubled too (a variable), and quoted, with C escapes, if it
     * holds a space, a quote, a backslash or a {@code ;} (between commands of one line).
     */
    static String word(String word, boolean commandLine) {
        String escaped = word.replace("%", "%%");
        if (commandLine) {
            escaped = escaped.replace("$", "$$");
        }
        return escaped.matches("[^\\s\"'\\\\;]+") ? escaped : "\"" + escaped.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The user's home directory from /etc/passwd; a clear error for a user that does not exist. */
    private static Path homeOf(String user) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] fields = line.split(":");
            if (fields.length >= 6 && fields[0].equals(user)) {
                return Path.of(fields[5]);
            }
        }
        throw new UserError("no user '" + user + "' on this machine (/etc/passwd): create it, or pass an existing one with --user");
    }
}
