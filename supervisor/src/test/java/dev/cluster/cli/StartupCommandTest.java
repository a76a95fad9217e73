package dev.cluster.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The systemd unit's words, as systemd reads them back, whatever the paths hold. */
public class StartupCommandTest {
    @Test
    void aWordIsQuotedAndEscapedOnlyWhereSystemdWouldReadItOtherwise() {
        assertEquals("/usr/lib/jvm/java-17/bin/java", StartupCommand.word("/usr/lib/jvm/java-17/bin/java", true));
        assertEquals("\"/opt/my tools/cluster.jar\"", StartupCommand.word("/opt/my tools/cluster.jar", true));
        assertEquals("/srv/100%%/$$HOME", StartupCommand.word("/srv/100%/$HOME", true), "a specifier and a variable, taken as they are");
        assertEquals("CLUSTER_HOME=/srv/$HOME", StartupCommand.word("CLUSTER_HOME=/srv/$HOME", false), "Environment= expands no variable");
        assertEquals("\"/a\\\\b \\\"c\\\";\"", StartupCommand.word("/a\\b \"c\";", true));
    }

    /** A home with a space, a per cent sign and a dollar: the unit names it whole, and systemd-analyze accepts the unit. */
    @Test
    void aClusterHomeWithASpaceIsOneWordThatSystemdAccepts(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("my home/100%/$x");
        String unit = StartupCommand.unit("root", home);
        assertTrue(unit.contains("\nEnvironment=\"CLUSTER_HOME=" + dir + "/my home/100%%/$x\"\n"), unit);

        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "no systemd-analyze here");
        assertSystemdAccepts(unit, dir);
    }

    /** {@code systemd-analyze verify} of the unit, written in {@code dir}: it exits 0 and names nothing in it. */
    public static void assertSystemdAccepts(String unit, Path dir) throws Exception {
        Path file = dir.resolve("cluster-test.service");
        Files.writeString(file, unit);
        Process verify = new ProcessBuilder("systemd-analyze", "verify", file.toString()).redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), output);
        assertFalse(output.contains("cluster-test.service"), "systemd-analyze found something in the unit:\n" + output);
    }
}
