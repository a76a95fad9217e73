package dev.cluster.cli;

import dev.cluster.home.SafePaths;
import dev.cluster.home.Home;
import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "kill", description = "Stop every worker gracefully, then the supervisor daemon; removes its socket.")
final class KillCommand implements Callable<Integer> {
    private static final long EXIT_WAIT_MS = 10_000;

    @Override
    public Integer call() {
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        if (!client.daemonRunning()) {
            Optional<ProcessHandle> unreachable = client.unreachableDaemon();
            if (unreachable.isEmpty()) {
                System.out.println("no supervisor running on " + client.home().dir());
                return 0;
            }
            // Its SIGTERM handler does what a kill request does: every worker stopped gracefully, then the supervisor.
            long workers = unreachable.get().children().count();
            unreachable.get().destroy();
            waitForExit(unreachable.get());
            System.out.println("stopped the supervisor (pid " + unreachable.get().pid() + "), which could no longer be reached (its control "
                    + "socket was removed)" + (workers == 0 ? "" : ", and its " + workers + " worker process(es)"));
            return 0;
        }
        Optional<ProcessHandle> daemon = daemonProcess(client.home());
        String message = ControlClient.ok(client.call(new Request.Kill())).message();
        // Return only once the daemon is gone, so a script can start a new one right after.
        daemon.ifPresent(KillCommand::waitForExit);
        System.out.println(message);
        return 0;
    }

    private static void waitForExit(ProcessHandle daemon) {
        long deadline = System.currentTimeMillis() + EXIT_WAIT_MS;
        while (running(daemon) && System.currentTimeMillis() < deadline) {
            ControlClient.sleep(20);
        }
    }

    /**
     * Whether the daemon has yet to exit. One that has exited is a zombie until its parent reaps it:
     * init, since the CLI that started it is gone, and some inits reap only every second or so
     * (~1.2 s per kill measured here). A zombie holds no socket, lock or file any more.
     */
    private static boolean running(ProcessHandle p) {
        if (!p.isAlive()) { // checks the start time too, so a reused pid is not taken for the daemon
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return true; // no /proc: alive as far as we can tell
        }
    }

    private static Optional<ProcessHandle> daemonProcess(Home home) {
        try {
            try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(SafePaths.open(home.pidFile(), java.nio.file.StandardOpenOption.READ))) {
                return ProcessHandle.of(Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim()));
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
