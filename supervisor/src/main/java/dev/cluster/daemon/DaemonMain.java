package dev.cluster.daemon;

import dev.cluster.home.Home;
import dev.cluster.home.UnsafePath;

/**
 * Entry point of the background daemon the CLI starts on first use. Its stdout and stderr are the
 * daemon log; the CLI waits for the control socket to appear.
 */
public final class DaemonMain {
    private DaemonMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Daemon.run(Home.fromEnvironment(), null, null, response -> { });
        } catch (Daemon.AlreadyRunning | UnsafePath e) {
            System.err.println("cluster daemon: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
