package dev.cluster.home;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's copy of the cluster jar in lib/, beside the agent's jar and library that workers load. */
class DaemonCopyTest {
    @TempDir
    Path dir;

    /**
     * Seen in a fuzz: a CLI that started a daemon while another command's daemon ran removed every {@code cluster-*.jar}
     * of lib/ as "copies of other jars", the agent's jar with them, and every jar app's worker started after that failed
     * with "Error opening zip file or JAR manifest missing".
     */
    @Test
    void makingTheCopyRemovesNothingAndOnlyTheDaemonPrunesOnlyOtherCopies() throws Exception {
        Home home = new Home(dir.resolve("home"));
        home.prepare(); // lib/ inside a 0700 home, as the daemon has it
        Path agent = Files.write(home.lib().resolve("cluster-agent-63cda2ffd15eb10b.jar"), new byte[] {7});
        Path library = Files.write(home.lib().resolve("libslotsocket-9b40c8de7412b298.so"), new byte[] {8});
        Path olderBuild = Files.write(home.lib().resolve("cluster-0123456789abcdef.jar"), new byte[] {9});
        Path jar = Files.write(dir.resolve("cluster.jar"), new byte[] {1, 2, 3});

        Path copy = DaemonCopy.of(home, jar);
        assertEquals(home.lib(), copy.getParent());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(copy));
        assertTrue(Files.exists(agent) && Files.exists(library) && Files.exists(olderBuild), "a CLI removes nothing: a daemon may run from it");

        Files.write(copy, new byte[] {6, 6}); // damaged, or replaced by someone
        assertEquals(copy, DaemonCopy.of(home, jar));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(copy), "checked by content, written again");

        DaemonCopy.pruneOthers(home, home.lib().resolve("..").resolve("lib").resolve(copy.getFileName())); // its own, spelt otherwise
        assertFalse(Files.exists(olderBuild), "another build's copy, once the daemon holds the home");
        assertTrue(Files.exists(copy), "its own");
        assertTrue(Files.exists(agent) && Files.exists(library), "the agent's files are not copies of the daemon");
    }
}
