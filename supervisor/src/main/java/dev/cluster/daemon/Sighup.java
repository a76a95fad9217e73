package dev.cluster.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether SIGHUP is ignored in this process. A shell under {@code nohup} ignores it, children
 * inherit that, and a JVM cannot take an ignored SIGHUP back: such a daemon would not reload on
 * {@code kill -HUP}, and its workers would ignore {@code cluster signal HUP}.
 */
public final class Sighup {
    private static final Path ENV = Path.of("/usr/bin/env");

    private Sighup() {
    }

    public static boolean ignored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1) != 0; // bit 0: signal 1
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux's /proc: assume the default
        }
        return false;
    }

    /**
     * The command prefix that starts a program with SIGHUP back at its default (coreutils' env, 8.31
     * and later), or none if SIGHUP is not ignored here or env cannot do it.
     */
    public static String[] resetPrefix() {
        if (!ignored() || !Files.isExecutable(ENV)) {
            return new String[0];
        }
        String[] prefix = {ENV.toString(), "--default-signal=HUP"};
        try {
            Process probe = new ProcessBuilder(prefix[0], prefix[1], "true").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor() == 0 ? prefix : new String[0];
        } catch (IOException e) {
            return new String[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new String[0];
        }
    }
}
