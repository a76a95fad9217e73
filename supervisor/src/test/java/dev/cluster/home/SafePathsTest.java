package dev.cluster.home;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the supervisor runs ({@link SafePaths#requireTrusted}) and the parents of its home
 * ({@link SafePaths#requireSafeParents}), one rule for both, on real files, modes and links.
 */
class SafePathsTest {
    @TempDir
    Path dir; // 0700, ours, under /tmp (root's, sticky)

    private static Path withMode(Path p, String mode) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private static String refusal(Path file) {
        String message = assertThrows(UnsafePath.class, () -> SafePaths.requireTrusted(file, "jar")).getMessage();
        assertTrue(!message.contains("\n"), message);
        return message;
    }

    @Test
    void aFileOfOursWritableByNoOneElseIsTrustedAlsoInAStickyDirectory() throws Exception {
        assertDoesNotThrow(() -> SafePaths.requireTrusted(withMode(Files.createFile(dir.resolve("a.jar")), "rw-r--r--"), "jar"));
        Path sticky = Files.createDirectory(dir.resolve("tmp"));
        Files.setAttribute(sticky, "unix:mode", 01777); // like /tmp: only an entry's owner can replace it
        assertDoesNotThrow(() -> SafePaths.requireTrusted(withMode(Files.createFile(sticky.resolve("b.jar")), "rw-r--r--"), "jar"));
    }

    @Test
    void aDirectoryOnTheWayThatOthersCanWriteIsNamed() throws Exception {
        Path shared = withMode(Files.createDirectory(dir.resolve("shared")), "rwxrwxr-x");
        Path jar = Files.createFile(Files.createDirectory(shared.resolve("app")).resolve("a.jar"));
        assertEquals("jar " + jar + " is under " + shared + ", which can be written by other users (mode 0775), who could change what runs "
                + "as you: chmod go-w " + shared, refusal(jar));
    }

    @Test
    void aFileOthersCanWriteIsRefusedEvenInAStickyDirectory() throws Exception {
        Path sticky = Files.createDirectory(dir.resolve("tmp"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path jar = withMode(Files.createFile(sticky.resolve("a.jar")), "rw-rw-rw-");
        assertTrue(refusal(jar).startsWith("jar " + jar + " can be written by other users (mode 0666)"), refusal(jar));
    }

    @Test
    void linksAreFollowedAndWhereTheyLeadIsChecked() throws Exception {
        Path shared = withMode(Files.createDirectory(dir.resolve("shared")), "rwxrwxrwx");
        Path target = Files.createFile(shared.resolve("real.jar"));
        Path link = Files.createSymbolicLink(dir.resolve("current.jar"), target);
        assertTrue(refusal(link).startsWith("jar " + link + " is under " + shared + ", which can be written"), refusal(link));

        // A deploy's links (current -> releases/2, relative, through "..") to files that are safe are fine.
        Path release = Files.createDirectories(dir.resolve("releases/2"));
        Path jar = Files.createFile(release.resolve("app.jar"));
        Files.createSymbolicLink(dir.resolve("current"), Path.of("releases/2"));
        Files.createSymbolicLink(release.resolve("up.jar"), Path.of("../2/./app.jar"));
        assertDoesNotThrow(() -> SafePaths.requireTrusted(dir.resolve("current/up.jar"), "jar"));
        withMode(jar, "rw-rw-r--");
        assertTrue(refusal(dir.resolve("current/up.jar")).startsWith("jar " + dir.resolve("current/up.jar") + " (" + jar + ") can be written"),
                refusal(dir.resolve("current/up.jar")));
    }

    @Test
    void aLinkLoopIsRefusedInOneLine() throws Exception {
        Files.createSymbolicLink(dir.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(dir.resolve("b"), Path.of("a"));
        assertTrue(refusal(dir.resolve("a")).contains("more than 40 symbolic links"), refusal(dir.resolve("a")));
    }

    @Test
    void aDirectoryOfAnotherUserIsNamedWithItsOwner() throws Exception {
        assumeTrue(SafePaths.myUid() == 0, "skipped: only root can give a directory to another user");
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        Path jar = Files.createFile(theirs.resolve("a.jar"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        assertTrue(refusal(jar).startsWith("jar " + jar + " is under " + theirs + ", which belongs to "), refusal(jar));
    }

    @Test
    void theHomesParentsFollowTheSameRuleAndAStickyOneIsFine() throws Exception {
        Path sticky = Files.createDirectory(dir.resolve("tmp"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        assertDoesNotThrow(() -> SafePaths.requireSafeParents(sticky.resolve("home/not-yet")));
        Path open = withMode(Files.createDirectory(dir.resolve("open")), "rwxrwxrwx");
        assertEquals(open + ", a parent of " + open.resolve("home") + ", can be written by other users (mode 0777), who could replace "
                + "what is in it: set CLUSTER_HOME to a directory under one of your own",
                assertThrows(UnsafePath.class, () -> SafePaths.requireSafeParents(open.resolve("home"))).getMessage());
        if (SafePaths.myUid() == 0) {
            Path theirs = Files.createDirectory(dir.resolve("theirs"));
            Files.setAttribute(theirs, "unix:uid", 65534);
            String message = assertThrows(UnsafePath.class, () -> SafePaths.requireSafeParents(theirs.resolve("home"))).getMessage();
            assertTrue(message.startsWith(theirs + ", a parent of " + theirs.resolve("home") + ", belongs to "), message);
        }
    }
}
