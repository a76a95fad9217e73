package dev.cluster.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
