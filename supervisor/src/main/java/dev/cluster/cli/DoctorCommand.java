package dev.cluster.cli;

import dev.cluster.home.UnsafePath;
import dev.cluster.home.Home;
import dev.cluster.protocol.Request;
import dev.cluster.view.Terminal;
import dev.cluster.worker.OomKiller;
import io.netty.channel.epoll.Epoll;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Checks the machine for what cluster relies on; each finding says how to fix it. */
@Command(name = "doctor", description = {"Check this machine for what cluster relies on, each finding with its fix.",
        "Exit code: 0 all good, 1 warnings, 2 something will not work."})
final class DoctorCommand implements Callable<Integer> {
    private static final long MIN_FREE_BYTES = 1L << 30;
    private static final long MIN_OPEN_FILES = 4096;

    enum Level { OK, WARN, FAIL }

    record Finding(Level level, String what, String fix) {
    }

    private final List<Finding> findings = new ArrayList<>();

    @Override
    public Integer call() {
        Home home = Home.fromEnvironment();
        checkJava();
        checkEpoll();
        checkReusePort();
        checkMigrateReq();
        checkOpenFiles();
        checkPdeathsig();
        checkHome(home);
        checkDaemon(home);
        checkDisk(home);
        boolean colour = Terminal.colour();
        Level worst = Level.OK;
        for (Finding f : findings) {
            String tag = switch (f.level()) {
                case OK -> Terminal.paint(colour, Terminal.GREEN, "[ok]  ");
                case WARN -> Terminal.paint(colour, Terminal.YELLOW, "[warn]");
                case FAIL -> Terminal.paint(colour, Terminal.RED, "[fail]");
            };
            System.out.println(tag + " " + f.what() + (f.fix() == null ? "" : "\n       fix: " + f.fix()));
            worst = f.level().compareTo(worst) > 0 ? f.level() : worst;
        }
        return worst.ordinal();
    }

    private void add(Level level, String what, String fix) {
        findings.add(new Finding(level, what, fix));
    }

    private void checkJava() {
        Runtime.Version v = Runtime.version();
        add(v.feature() >= 17 ? Level.OK : Level.FAIL, "Java " + v, v.feature() >= 17 ? null : "install Java 17 or newer and set JAVA_HOME");
    }

    private void checkEpoll() {
        if (Epoll.isAvailable()) {
            add(Level.OK, "native epoll available", null);
        } else {
            add(Level.WARN, "native epoll unavailable (" + Epoll.unavailabilityCause() + "): the worker-app falls back to NIO, and "
                    + "listener handoff is impossible", "run on Linux x86_64; start apps with --bind self");
        }
    }

    private void checkReusePort() {
        try (ServerSocketChannel a = ServerSocketChannel.open(); ServerSocketChannel b = ServerSocketChannel.open()) {
            a.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            b.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            a.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            b.bind(a.getLocalAddress());
            add(Level.OK, "SO_REUSEPORT works: two listeners share one port", null);
        } catch (IOException | UnsupportedOperationException e) {
            add(Level.FAIL, "SO_REUSEPORT does not work (" + e.getMessage() + "): workers cannot share a port", "run on Linux 3.9 or newer");
        }
    }

    private void checkMigrateReq() {
        Path sysctl = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
        String value = read(sysctl);
        if ("1".equals(value)) {
            add(Level.OK, "net.ipv4.tcp_migrate_req=1: a closing listener's queued connections move to the others", null);
        } else if (value == null) {
            add(Level.WARN, "net.ipv4.tcp_migrate_req not found (Linux older than 5.14): in --bind self mode, and on a --shared-port, a "
                    + "reload resets connections queued on the old worker; the default handoff mode is unaffected", "keep the default --bind handoff");
        } else {
            add(Level.WARN, "net.ipv4.tcp_migrate_req=" + value + ": in --bind self mode, and on a --shared-port, a reload resets "
                    + "connections queued on the old worker (the default handoff mode is unaffected)",
                    "sysctl -w net.ipv4.tcp_migrate_req=1, and keep it in /etc/sysctl.d/90-cluster.conf");
        }
    }

    private void checkOpenFiles() {
        String limits = read(Path.of("/proc/self/limits"));
        if (limits == null) {
            return;
        }
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                long n = soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                int workers = Runtime.getRuntime().availableProcessors();
                add(n >= MIN_OPEN_FILES ? Level.OK : Level.WARN, "open files limit " + soft + " for " + workers + " worker(s) at -i max",
                        n >= MIN_OPEN_FILES ? null : "every connection is a file: raise it (ulimit -n 65536, or LimitNOFILE=65536 in the systemd unit)");
            }
        }
    }

    private void checkPdeathsig() {
        boolean setpriv = Files.isExecutable(Path.of("/usr/bin/setpriv"));
        boolean setsid = Files.isExecutable(Path.of("/usr/bin/setsid"));
        boolean choom = Files.isExecutable(Path.of("/usr/bin/choom"));
        if (setpriv && setsid && choom) {
            add(Level.OK, "setpriv, setsid and choom present: workers die with their supervisor, even by SIGKILL, a start script's java is its"
                    + " worker's, and the supervisor may shield itself from the OOM killer", null);
        } else if (setpriv && setsid) {
            add(Level.WARN, "choom missing: the supervisor does not shield itself from the OOM killer, which may take it and every worker with it",
                    "apt-get install util-linux (2.33 or newer)");
        } else {
            // Workers get their own process group only under both (OsProcesses).
            add(Level.WARN, (setpriv ? "setsid missing" : "setpriv missing: a worker that ignores its stdin may outlive a killed supervisor, and")
                    + ": a start script that runs java without exec cannot be supervised", "apt-get install util-linux");
        }
    }

    /** The same check every command makes before it uses the home (and refuses it if this fails). */
    private void checkHome(Home home) {
        Path dir = home.dir();
        try {
            home.verify();
            add(Level.OK, Files.isDirectory(dir) ? dir + " is yours alone (0700), and so are its lib/ and logs/"
                    : dir + " does not exist yet (created 0700 on first use)", null);
        } catch (UnsafePath e) {
            add(Level.FAIL, e.getMessage(), null);
        }
    }

    private void checkDaemon(Home home) {
        ControlClient client = new ControlClient(home);
        Optional<ProcessHandle> unreachable = Files.exists(home.controlSocket()) ? Optional.empty() : client.unreachableDaemon();
        if (unreachable.isPresent()) {
            add(Level.FAIL, client.unreachable(unreachable.get()), ControlClient.unreachableFix(unreachable.get()));
        } else if (!Files.exists(home.controlSocket())) {
            add(Level.OK, "no supervisor running on " + home.dir() + " (the first 'cluster start' starts one)", null);
        } else if (!client.daemonRunning()) {
            add(Level.WARN, "stale control socket " + home.controlSocket() + ": its supervisor died", "run 'cluster ping' (it starts a new one)");
        } else {
            try {
                long pid = ControlClient.ok(client.call(new Request.Ping())).daemon().pid();
                add(Level.OK, "supervisor running, pid " + pid + ", answering on " + home.controlSocket() + oomScore(pid), null);
            } catch (UserError e) {
                String pid = read(home.pidFile());
                add(Level.FAIL, e.getMessage(), "if it was stopped (state T in 'ps -o stat= -p " + pid + "'), 'kill -CONT " + pid
                        + "'; else see " + home.daemonLog());
            }
        }
    }

    /** How the OOM killer ranks the supervisor against its workers (see OomKiller), as a tail for the running line. */
    private static String oomScore(long pid) {
        String score = read(Path.of("/proc/" + pid + "/oom_score_adj"));
        if (score == null) {
            return "";
        }
        if (score.equals(Integer.toString(OomKiller.SUPERVISOR_SCORE))) {
            return "; oom_score_adj " + score + ": the OOM killer takes any worker before it";
        }
        return "; oom_score_adj " + score + ": under memory pressure the OOM killer may take it, and every worker with it"
                + " (run it as root with CAP_SYS_RESOURCE, or under the unit of 'cluster startup systemd', to lower it)";
    }

    /** Free space where the logs go (logs/ may be a disk of its own) and, if elsewhere, where the app list goes. */
    private void checkDisk(Home home) {
        Path logs = nearestExisting(home.logs());
        Path dir = nearestExisting(home.dir());
        if (logs == null) {
            return;
        }
        try {
            checkFree(logs, "for logs");
            if (dir != null && !Files.getFileStore(dir).equals(Files.getFileStore(logs))) {
                checkFree(dir, "for the app list");
            }
        } catch (IOException e) {
            add(Level.WARN, "cannot measure free space: " + e.getMessage(), null);
        }
    }

    private void checkFree(Path where, String forWhat) throws IOException {
        long free = Files.getFileStore(where).getUsableSpace();
        String what = String.format("%.1f GB free %s under %s", free / 1e9, forWhat, where);
        add(free >= MIN_FREE_BYTES ? Level.OK : Level.WARN, what, free >= MIN_FREE_BYTES ? null : "free space, or set CLUSTER_HOME on a larger disk");
    }

    private static Path nearestExisting(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
