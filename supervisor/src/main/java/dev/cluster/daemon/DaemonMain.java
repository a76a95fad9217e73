package dev.cluster.daemon;

import dev.cluster.home.Home;
import dev.cluster.home.UnsafePath;
import dev.cluster.logs.DaemonLog;

import java.nio.file.Path;
import java.util.List;

/**
 * Entry point of the background daemon the CLI starts on first use. Its stdout and stderr are the
 * daemon log, kept under a size ({@link DaemonLog}); the CLI waits for the control socket to appear.
 */
public final class DaemonMain {
    /**
     * The exit code of a daemon that found another supervisor holding the home: the CLI that
     * started it waits for that one's socket instead of reporting a failure.
     */
    public static final int ALREADY_RUNNING = 3;
    /** The system property with the cluster jar the CLI copied into lib/ to start this daemon. */
    public static final String SOURCE_PROPERTY = "cluster.source";

    private DaemonMain() {
    }

    public static void main(String[] args) throws Exception {
        Home home = Home.fromEnvironment();
        DaemonLog.install(home.daemonLog());
        try {
            String jar = System.getProperty(SOURCE_PROPERTY); // its copy in lib/ is what runs; this is what it was copied from
            Daemon.run(home, jar == null ? null : Path.of(jar), List.of(), null, false, response -> { });
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
