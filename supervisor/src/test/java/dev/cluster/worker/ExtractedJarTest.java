package dev.cluster.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which jars are extracted for their archive, and that deleting an extraction stays inside it. */
class ExtractedJarTest {
    @TempDir
    Path dir;

    private Path jar(String name, String mainClass, boolean springBoot, String... entries) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        if (springBoot) {
            manifest.getMainAttributes().putValue("Spring-Boot-Version", "3.5.7");
            manifest.getMainAttributes().putValue("Spring-Boot-Lib", "BOOT-INF/lib/");
        }
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            for (String entry : entries) {
                j.putNextEntry(new JarEntry(entry));
                j.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void aSpringBootFatJarWithTheJarmodeToolsIsExtractable() throws IOException {
        String launcher = "org.springframework.boot.loader.launch.JarLauncher";
        assertTrue(ExtractedJar.extractable(jar("boot.jar", launcher, true, "BOOT-INF/lib/spring-boot-jarmode-tools-3.5.7.jar")));
        assertFalse(ExtractedJar.extractable(jar("old.jar", launcher, true, "BOOT-INF/lib/spring-core-6.1.0.jar")),
                "before 3.3 (no tools) it cannot extract itself this way");
        assertFalse(ExtractedJar.extractable(jar("extracted.jar", "zoo.Main", true, "BOOT-INF/lib/spring-boot-jarmode-tools-3.5.7.jar")),
                "an already extracted jar runs its own main");
        assertFalse(ExtractedJar.extractable(jar("plain.jar", "app.Main", false, "app/Main.class")));
        assertFalse(ExtractedJar.extractable(Files.writeString(dir.resolve("not-a.jar"), "text")));
    }

    @Test
    void deletingAnExtractionDeletesALinkNotWhatItPointsTo() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path kept = Files.writeString(outside.resolve("kept"), "x");
        Path extraction = Files.createDirectories(dir.resolve("web@0123.app/lib"));
        Files.writeString(extraction.resolve("a.jar"), "jar");
        Files.createSymbolicLink(extraction.resolve("link"), outside);
        ExtractedJar.delete(dir.resolve("web@0123.app"));
        assertFalse(Files.exists(dir.resolve("web@0123.app")));
        assertTrue(Files.exists(kept));
    }
}
