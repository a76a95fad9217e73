package dev.cluster.home;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The record of the jar a daemon was started from, and the CLI's question: has it changed since? */
class DaemonBuildTest {
    @TempDir
    Path dir;

    @Test
    void aJarChangedSinceTheDaemonStartedIsToldAndNothingElseIs() throws Exception {
        Home home = new Home(Files.createDirectory(dir.resolve("home")));
        Path jar = Files.write(dir.resolve("cluster.jar"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_000L));
        assertNull(DaemonBuild.changedSince(home, jar), "nothing recorded: nothing to say");

        DaemonBuild.record(home, jar);
        assertNull(DaemonBuild.changedSince(home, jar), "the same jar");
        assertNull(DaemonBuild.changedSince(home, Files.write(dir.resolve("other.jar"), new byte[] {9})), "another install's jar");

        Files.write(jar, new byte[] {1, 2, 3, 4}); // rebuilt
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_800_000_000_000L));
        assertEquals("2027-01-15T08:00:00Z", DaemonBuild.changedSince(home, jar));

        Files.writeString(home.buildFile(), "garbage");
        assertNull(DaemonBuild.changedSince(home, jar), "a damaged record is no reason for an error");
        DaemonBuild.record(home, dir); // a classes directory, as an IDE runs it
        assertNull(DaemonBuild.changedSince(home, jar));
    }
}
