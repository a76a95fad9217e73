package dev.cluster.home;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The supervisor's directory, {@code $CLUSTER_HOME} (default {@code ~/.cluster}): the control and
 * worker sockets, the pid and lock files, the daemon's copy of its jar, the app list and the logs.
 * <p>
 * Whoever can write here can run code as the supervisor's user (the daemon starts from {@code lib/})
 * or impersonate it (a socket the CLI talks to). So a home is used only when it is this user's own:
 * a real directory (not a link) owned by us with no access for anyone else, under parents no one
 * else can rename it in. A home that does not exist is created 0700; an existing one that is shared
 * is refused, never chmodded (CLUSTER_HOME=/tmp must not turn /tmp into 0700).
 */
public record Home(Path dir) {
    public static final String ENV = "CLUSTER_HOME";
    private static final int MAX_SOCKET_PATH = 107;

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

    /** Which cluster jar the daemon was started from (see {@link DaemonBuild}). */
    public Path buildFile() {
        return dir.resolve("daemon.build");
    }

    public Path daemonLog() {
        return dir.resolve("daemon.log");
    }

    /** The daemon's own copy of its jar and the agent: files that must not change under running processes. */
    public Path lib() {
        return dir.resolve("lib");
    }

    public Path logs() {
        return dir.resolve("logs");
    }

    /** Start-up archives of the apps' JVMs ({@code --start-cache}): read by every worker of an app, so as private as {@code lib/}. */
    public Path cache() {
        return dir.resolve("cache");
    }

    /** Where {@code cluster profile} has a worker write its flight recording, read and then removed. */
    public Path profiles() {
        return dir.resolve("profiles");
    }

    /**
     * Checks a home that may not exist yet: if it exists, it and its {@code lib/} and {@code logs/}
     * must be ours alone. Before reading or connecting to anything in it.
     *
     * @throws UnsafePath saying what is wrong and how to fix it
     */
    public void verify() throws UnsafePath {
        requireRoomForSockets();
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            SafePaths.requireOwnDirectory(dir, ENV + " " + dir);
            for (Path sub : new Path[] {lib(), logs(), cache(), profiles()}) {
                if (Files.exists(sub, LinkOption.NOFOLLOW_LINKS)) {
                    SafePaths.requireOwnDirectory(sub, sub.toString());
                }
            }
        }
        SafePaths.requireSafeParents(dir);
    }

    /** A Unix socket's path holds at most 107 bytes (sun_path, with its NUL): a longer home could bind neither socket. */
    private void requireRoomForSockets() throws UnsafePath {
        int length = controlSocket().toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_SOCKET_PATH) {
            throw new UnsafePath(ENV + " " + dir + " is too long for its sockets: " + controlSocket().getFileName() + " in it would be a path of "
                    + length + " bytes, and a Unix socket's holds at most " + MAX_SOCKET_PATH + ": use a shorter " + ENV);
        }
    }

    /** Creates what is missing (0700) and verifies what exists; before writing anything into it. */
    public void prepare() throws IOException {
        requireRoomForSockets();
        SafePaths.requireSafeParents(dir);
        Path parent = dir.getParent();
        if (parent != null && !Files.exists(parent)) {
            Files.createDirectories(parent);
        }
        for (Path d : new Path[] {dir, logs(), lib(), cache(), profiles()}) {
            try {
                Files.createDirectory(d, PosixFilePermissions.asFileAttribute(SafePaths.OWNER_ONLY_DIR));
            } catch (FileAlreadyExistsException e) {
                // verified below, never chmodded
            }
            SafePaths.requireOwnDirectory(d, d.equals(dir) ? ENV + " " + dir : d.toString());
        }
    }
}
