package dev.cluster.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfilerTest {
    @Test
    void theJcmdUsedIsTheOneOfTheJdkThatALinkedJavaLeadsTo(@TempDir Path dir) throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk-25/bin"));
        Path java = Files.createFile(jdk.resolve("java"));
        Path bin = Files.createDirectories(dir.resolve("usr/bin"));
        Path link = Files.createSymbolicLink(bin.resolve("java"), java);
        assertEquals(dir.resolve("jdk-25").toRealPath(), Profiler.homeOf(link), "/usr/bin/java's JDK, not /usr");
        assertEquals(dir.resolve("jdk-25").toRealPath(), Profiler.homeOf(java));
        assertEquals(dir.resolve("gone"), Profiler.homeOf(dir.resolve("gone/bin/java")), "a java removed since the start: the path as given");
    }

    @Test
    void onlyAJvmIsProfiled() throws Exception {
        Profiler.requireJvm(ProcessHandle.current().pid());
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            Profiler.Failure f = assertThrows(Profiler.Failure.class, () -> Profiler.requireJvm(sleep.pid()));
            assertTrue(f.getMessage().startsWith("pid " + sleep.pid() + " is not a JVM (it runs /usr/bin/sleep)"), f.getMessage());
        } finally {
            sleep.destroyForcibly();
        }
    }
}
