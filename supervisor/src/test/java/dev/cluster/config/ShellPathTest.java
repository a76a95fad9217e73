package dev.cluster.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Relative paths keep the shell's view of the current directory (a {@code current} symlink), when it is the same directory. */
class ShellPathTest {
    @TempDir
    Path tmp;

    /** The test JVM runs in the physical directory; {@code current} links to it, as a deploy's link to its release. */
    private final Path physical = Path.of("").toAbsolutePath();

    @Test
    void aPathUnderTheCurrentDirectoryKeepsTheLinkThroughWhichTheShellEnteredIt() throws Exception {
        Path current = Files.createSymbolicLink(tmp.resolve("current"), physical);
        assertEquals(current.resolve("pom.xml"), ShellPath.absolute(Path.of("pom.xml"), current.toString()));
        assertEquals(current, ShellPath.absolute(Path.of(""), current.toString()));
    }

    @Test
    void otherwiseThePhysicalPathIsUsed() throws Exception {
        Path current = Files.createSymbolicLink(tmp.resolve("current"), physical);
        assertEquals(physical.resolve("pom.xml"), ShellPath.absolute(Path.of("pom.xml"), tmp.toString()), "$PWD is another directory");
        assertEquals(physical.resolve("pom.xml"), ShellPath.absolute(Path.of("pom.xml"), null), "no $PWD");
        assertEquals(physical.resolve("pom.xml"), ShellPath.absolute(Path.of("pom.xml"), "relative"), "$PWD not absolute");
        assertEquals(physical.resolve("none.jar"), ShellPath.absolute(Path.of("none.jar"), current.toString()), "nothing there to compare");
        assertEquals(Path.of("/etc/hosts"), ShellPath.absolute(Path.of("/etc/hosts"), current.toString()), "absolute as given");
    }

    /** describe's command line, pasted into a shell, is the worker's own words again. */
    @Test
    void aCommandLineIsSplitBackIntoItsWordsByAShell() throws Exception {
        List<String> words = List.of("/usr/bin/java", "-Xmx256m", "-jar", "/srv/my apps/ünï/web app.jar", "it's", "$HOME", "a\"b", "", "x;y", "*");
        String line = ShellPath.line(words);
        assertEquals("/usr/bin/java -Xmx256m -jar '/srv/my apps/ünï/web app.jar' 'it'\\''s' '$HOME' 'a\"b' '' 'x;y' '*'", line);
        Process sh = new ProcessBuilder("sh", "-c", "for w in " + line.substring(line.indexOf(' ') + 1) + "; do printf '%s\\n' \"$w\"; done").start();
        List<String> said = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, sh.waitFor());
        assertEquals(words.subList(1, words.size()), said);
    }
}
