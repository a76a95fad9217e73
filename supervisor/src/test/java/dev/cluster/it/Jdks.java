package dev.cluster.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

/** The JDKs the integration tests run workers on: the one running the tests, and a newer one if the machine has it. */
final class Jdks {
    private static final Pattern VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");
    /** The newest major release tests look for beside the build's own (this machine kind ships a Temurin 25). */
    static final int NEWER = 25;

    private Jdks() {
    }

    /** A JDK {@value #NEWER} or newer in /usr/lib/jvm (or {@code -Dcluster.it.newer-java=PATH}): its java launcher. */
    static Optional<String> newer() {
        String configured = System.getProperty("cluster.it.newer-java");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(configured);
        }
        try (DirectoryStream<Path> jdks = Files.newDirectoryStream(Path.of("/usr/lib/jvm"))) {
            return StreamSupport.stream(jdks.spliterator(), false)
                    .filter(jdk -> Files.isExecutable(jdk.resolve("bin/java")) && major(jdk) >= NEWER)
                    .max(Comparator.comparingInt(Jdks::major))
                    .map(jdk -> jdk.resolve("bin/java").toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int major(Path jdk) {
        try {
            Matcher m = VERSION.matcher(Files.readString(jdk.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
