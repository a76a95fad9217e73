package dev.cluster.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JarWatchTest {
    @TempDir
    Path dir;

    @Test
    void aRenameOverTheJarOrALinkSwitchLeavesTheProcessItsFileButACopyOntoItDoesNot() throws Exception {
        Path jar = Files.writeString(dir.resolve("app.jar"), "version 1");
        JarWatch watch = JarWatch.of(jar);
        assertNull(watch.overwritten(1));

        Path next = Files.writeString(dir.resolve("next.jar"), "version 2, longer");
        Files.move(next, jar, StandardCopyOption.REPLACE_EXISTING); // mv: the old file lives on for the process
        assertNull(watch.overwritten(1));

        Path release = Files.writeString(dir.resolve("release-1.jar"), "release 1");
        Path current = Files.createSymbolicLink(dir.resolve("current.jar"), release);
        JarWatch linked = JarWatch.of(current);
        Files.delete(current);
        Files.createSymbolicLink(current, Files.writeString(dir.resolve("release-2.jar"), "release 2"));
        assertNull(linked.overwritten(2));

        JarWatch copied = JarWatch.of(jar);
        Files.writeString(jar, "version 3"); // cp onto it: the same file, truncated and written
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 5_000)); // even within the clock's tick
        String said = copied.overwritten(3);
        assertTrue(said != null && said.startsWith(jar + " was overwritten in place (seen at "), said);
        Files.writeString(jar, "version 4");
        assertTrue(said.equals(copied.overwritten(3)), "the first sighting stays");
    }
}
