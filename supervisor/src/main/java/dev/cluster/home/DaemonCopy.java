package dev.cluster.home;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * The daemon's own copy of the cluster jar, {@code lib/cluster-<hash>.jar}: the CLI starts the daemon
 * from it, so rebuilding or upgrading the jar does not pull classes from under a running daemon. It
 * is named by its content's hash and checked by content before it is used: a name says nothing about
 * what a file holds. Copies of other builds are removed by the daemon once it holds the home, never
 * by a CLI: two commands may start daemons at the same moment, and only the lock says which one runs.
 */
public final class DaemonCopy {
    /** Only the daemon's copies: lib/ also holds the agent's jar ({@code cluster-agent-<hash>.jar}), which workers load. */
    private static final Pattern NAME = Pattern.compile("cluster-[0-9a-f]{16}\\.jar");

    private DaemonCopy() {
    }

    /** The copy of {@code jar} in the home's lib/, written (whole, then renamed) if it is missing or differs. */
    public static Path of(Home home, Path jar) throws IOException {
        String hash = ContentHash.of(jar);
        Path copy = home.lib().resolve("cluster-" + hash.substring(0, 16) + ".jar");
        if (!ContentHash.matches(copy, hash)) {
            Path partial = Files.createTempFile(home.lib(), "cluster-", ".partial");
            Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }

    /** The jar this JVM's cluster classes come from (a classes directory, as an IDE runs them). */
    public static Path running() throws IOException {
        try {
            return Path.of(DaemonCopy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot locate the cluster jar: " + e, e);
        }
    }

    /** Removes the copies other than {@code running} (the daemon's own jar): called by the daemon that holds the home's lock. */
    public static void pruneOthers(Home home, Path running) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(home.lib(), p -> NAME.matcher(p.getFileName().toString()).matches())) {
            for (Path file : files) {
                // The same file, however the path that runs it was spelt.
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.isSameFile(file, running)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
