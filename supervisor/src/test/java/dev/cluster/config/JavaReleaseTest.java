package dev.cluster.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JavaReleaseTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFeatureAndTheExactBuild() {
        assertEquals(Optional.of(new JavaRelease(17, "17.0.15+6-Debian-1deb12u1")),
                JavaRelease.parse("IMPLEMENTOR=\"Debian\"\nJAVA_RUNTIME_VERSION=\"17.0.15+6-Debian-1deb12u1\"\nJAVA_VERSION=\"17.0.15\"\n"));
        assertEquals(8, JavaRelease.parse("JAVA_VERSION=\"1.8.0_292\"\n").orElseThrow().feature());
        assertEquals(25, JavaRelease.parse("JAVA_VERSION=\"25\"\n").orElseThrow().feature());
        assertEquals(Optional.empty(), JavaRelease.parse("IMPLEMENTOR=\"x\"\n"));
    }

    @Test
    void anUpdateInstalledInPlaceIsAnotherBuild() {
        JavaRelease before = JavaRelease.parse("JAVA_RUNTIME_VERSION=\"17.0.15+6-Debian-1deb12u1\"\nJAVA_VERSION=\"17.0.15\"\n").orElseThrow();
        JavaRelease after = JavaRelease.parse("JAVA_RUNTIME_VERSION=\"17.0.16+8-Debian-1deb12u1\"\nJAVA_VERSION=\"17.0.16\"\n").orElseThrow();
        assertEquals(before.feature(), after.feature());
        assertEquals(false, before.build().equals(after.build()));
    }

    @Test
    void followsLinksToTheJdksHome() throws Exception {
        // /usr/bin/java -> /etc/alternatives/java -> <jdk>/bin/java
        Path home = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"21.0.5\"\nJAVA_RUNTIME_VERSION=\"21.0.5+11-LTS\"\n");
        Path java = Files.createFile(home.resolve("bin/java"));
        Path alternative = Files.createSymbolicLink(Files.createDirectory(dir.resolve("alternatives")).resolve("java"), java);
        Path usrBin = Files.createSymbolicLink(Files.createDirectory(dir.resolve("usr-bin")).resolve("java"), alternative);
        assertEquals(Optional.of(new JavaRelease(21, "21.0.5+11-LTS")), JavaRelease.of(usrBin));
        assertEquals(Optional.empty(), JavaRelease.of(Files.createFile(dir.resolve("java"))), "no release file beside it");
        assertEquals(Optional.empty(), JavaRelease.of(dir.resolve("missing")));
    }
}
