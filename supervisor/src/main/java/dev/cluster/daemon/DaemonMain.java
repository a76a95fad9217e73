package dev.cluster.daemon;

import dev.cluster.home.Home;
import dev.cluster.home.UnsafePath;

/**
 * Entry point of the background daemon the CLI starts on first use. Its stdout and stderr are the
 * daemon log; the CLI waits for the control socket to appear.
 */
public final class DaemonMain {
    /**
     * The exit code of a daemon that found another supervisor holding the home: the CLI that
     * started it waits for that one's socket instead of reporting a failure.
     */
    public static final int ALREADY_RUNNING = 3;

    private DaemonMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Daemon.run(Home.fromEnvironment(), null, null, response -> { });
        } catch (Daemon.AlreadyRunning e) {
            System.err.println("cluster daemon: " + e.getMessage());
            System.exit(ALREADY_RUNNING);
        } catch (UnsafePath e) {
            System.err.println("cluster daemon: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
