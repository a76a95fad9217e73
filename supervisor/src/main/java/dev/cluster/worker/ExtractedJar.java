package dev.cluster.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A Spring Boot fat jar, extracted the way Spring Boot advises for start-up archives
 * ({@code java -Djarmode=tools -jar app.jar extract}): the app's jar, its libraries beside it in
 * {@code lib/} named by the manifest's {@code Class-Path}, and the same main. A fat jar's classes are
 * read by Spring Boot's own class loader from inside the jar, which neither AppCDS nor the AOT cache
 * archives; the extracted jar's are on the JVM's class path, which both do (measured here, kill -9
 * to the first answer of a Spring Boot app: 32 % faster than cold on JDK 17 against 6-11 %, 53 % on
 * JDK 25 against 36 %).
 * <p>
 * Kept beside the archive it was trained for, as {@code <app>@<key>.app/}: the key is the fat jar's
 * content, so one extraction serves every worker of that version, and the workers run from it only
 * together with that archive.
 */
final class ExtractedJar {
    static final String SUFFIX = ".app";
    private static final String LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";

    private ExtractedJar() {
    }

    /** Where the extracted jar of the app's version {@code key} is (or would be). */
    static Path of(Path cacheDir, String key, Path jar) {
        return cacheDir.resolve(key + SUFFIX).resolve(jar.getFileName());
    }

    /** Whether it is there, whole (an extraction is moved into place only once it has finished). */
    static boolean exists(Path extracted) {
        return Files.isRegularFile(extracted, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Whether the jar is a Spring Boot fat jar that can extract itself: Spring Boot's launcher as its
     * main, and the {@code jarmode} tools (3.3 and later) among its libraries.
     */
    static boolean extractable(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest() == null ? null : file.getManifest().getMainAttributes();
            if (main == null || main.getValue("Spring-Boot-Version") == null || !LAUNCHER.equals(main.getValue("Main-Class"))) {
                return false;
            }
            String lib = main.getValue("Spring-Boot-Lib") != null ? main.getValue("Spring-Boot-Lib") : "BOOT-INF/lib/";
            return file.stream().anyMatch(e -> e.getName().startsWith(lib + "spring-boot-jarmode-tools"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Deletes an extraction's directory and what it holds; links are deleted, never followed. */
    static void delete(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
