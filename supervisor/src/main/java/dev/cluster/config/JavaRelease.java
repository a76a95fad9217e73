package dev.cluster.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JDK a java executable belongs to, as its home's {@code release} file says: its feature version
 * (what it can do: the agent needs 17, the AOT cache 25) and its exact build (what an archive it made
 * is valid for). The executable's links are followed first: {@code /usr/bin/java}, the usual way to
 * name the system's JDK, is a link through {@code /etc/alternatives} into the JDK's {@code bin/}.
 */
public record JavaRelease(int feature, String build) {
    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(?:1\\.)?(\\d+)[^\"]*\"", Pattern.MULTILINE);
    private static final Pattern RUNTIME_VERSION = Pattern.compile("^JAVA_RUNTIME_VERSION=\"([^\"]*)\"", Pattern.MULTILINE);

    /** The JDK of this supervisor's own JVM. */
    public static JavaRelease own() {
        return new JavaRelease(Runtime.version().feature(), Runtime.version().toString());
    }

    /** Empty when {@code java} is not in a JDK's layout ({@code <home>/bin/java} beside {@code <home>/release}). */
    public static Optional<JavaRelease> of(Path java) {
        try {
            Path home = java.toRealPath().getParent().getParent();
            return home == null ? Optional.empty() : parse(Files.readString(home.resolve("release")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<JavaRelease> parse(String release) {
        Matcher version = VERSION.matcher(release);
        if (!version.find()) {
            return Optional.empty();
        }
        Matcher runtime = RUNTIME_VERSION.matcher(release);
        // An update installed in place (a distribution's security release) changes the runtime version, not the path.
        String build = runtime.find() ? runtime.group(1) : version.group(0);
        return Optional.of(new JavaRelease(Integer.parseInt(version.group(1)), build));
    }
}
