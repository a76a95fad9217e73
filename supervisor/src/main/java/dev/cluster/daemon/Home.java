package dev.cluster.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The supervisor's directory, {@code $CLUSTER_HOME} (default {@code ~/.cluster}): the control and
 * worker sockets, the pid and lock files, the daemon log and the workers' logs. Only its owner may
 * enter it (0700); the sockets inside are 0600.
 */
public record Home(Path dir) {
    public static final String ENV = "CLUSTER_HOME";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    public static Home fromEnvironment() {
        String env = System.getenv(ENV);
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cluster");
        return new Home(dir.toAbsolutePath().normalize());
    }

    public Path controlSocket() {
        return dir.resolve("control.sock");
    }

    public Path workerSocket() {
        return dir.resolve("worker.sock");
    }

    public Path pidFile() {
        return dir.resolve("daemon.pid");
    }

    public Path lockFile() {
        return dir.resolve("daemon.lock");
    }

    public Path daemonLog() {
        return dir.resolve("daemon.log");
    }

    /** The daemon's own copy of its jar and the telemetry agent: files that must not change under running processes. */
    public Path lib() {
        return dir.resolve("lib");
    }

    public Path logs() {
        return dir.resolve("logs");
    }

    /** Creates the directories owner-only, tightening them if they exist with wider modes. */
    public void prepare() throws IOException {
        for (Path d : new Path[] {dir, logs()}) {
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, OWNER_ONLY_DIR);
        }
    }

    /** Restricts a file (a socket, once bound) to its owner. */
    public static void ownerOnly(Path file) throws IOException {
        Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
    }
}
