package dev.cluster.home;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HomeTest {
    @TempDir
    Path dir;

    @Test
    void aHomeTooLongForItsSocketsIsRefusedInOneLineBeforeAnythingIsCreated() {
        Path deep = dir.resolve("a".repeat(60)).resolve("b".repeat(60));
        Home home = new Home(deep);
        String expected = "CLUSTER_HOME " + deep + " is too long for its sockets: control.sock in it would be a path of "
                + deep.resolve("control.sock").toString().length() + " bytes, and a Unix socket's holds at most 107: use a shorter CLUSTER_HOME";
        assertEquals(expected, assertThrows(UnsafePath.class, home::verify).getMessage());
        assertEquals(expected, assertThrows(UnsafePath.class, home::prepare).getMessage());
        assertFalse(Files.exists(deep.getParent()));

        Home fits = new Home(dir.resolve("home"));
        assertDoesNotThrow(fits::prepare);
        assertDoesNotThrow(fits::verify);
    }
}
