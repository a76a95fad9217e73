package dev.cluster.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A path the user typed, made absolute as their shell shows it. The JVM's current directory is the
 * physical one, symlinks resolved: after {@code cd /srv/app/current} (a link to {@code releases/5}),
 * {@code cluster start app.jar} would record {@code /srv/app/releases/5/app.jar}, and a deploy that
 * points {@code current} at a new release, then runs {@code cluster reload}, would restart release 5.
 * The shell's {@code $PWD} keeps the link, as {@code pwd} prints it; it is used when it names the same
 * file as the physical path (as coreutils' {@code pwd -L} checks), else the physical path is.
 * And the other way, a command line shown as a shell takes it back ({@link #line}).
 */
public final class ShellPath {
    private ShellPath() {
    }

    public static Path absolute(Path given) {
        return absolute(given, System.getenv("PWD"));
    }

    /**
     * The words as one line a shell splits back into them: each with anything but letters, digits and
     * {@code _-./=:,+@%} in single quotes, so that {@code describe}'s command line can be pasted to run a worker by hand.
     */
    public static String line(List<String> words) {
        return words.stream().map(w -> w.matches("[A-Za-z0-9_\\-./=:,+@%]+") ? w : "'" + w.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    static Path absolute(Path given, String pwd) {
        Path physical = given.toAbsolutePath().normalize();
        if (given.isAbsolute() || pwd == null || !pwd.startsWith("/")) {
            return physical;
        }
        Path logical = Path.of(pwd).resolve(given).normalize();
        try {
            return Files.isSameFile(logical, physical) ? logical : physical;
        } catch (IOException e) {
            return physical; // not there (yet): the validator names the physical path
        }
    }
}
