package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options a jar app sets itself: its {@code --jvm-args}, then those in the variables the JVM
 * reads options from ({@code JAVA_TOOL_OPTIONS} and the like: containers and systemd units often
 * size a JVM there), as its workers get them: {@code --env} over the supervisor's own. What the
 * supervisor would add (the share, a start-up archive) gives way to them.
 */
public final class AppJvmOptions {
    private static final List<String> VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
    /** Options by which an app chooses its own class-data archive or AOT cache, or none. */
    private static final List<String> ARCHIVE_OPTIONS = List.of("-Xshare:", "-XX:SharedArchiveFile=", "-XX:ArchiveClassesAtExit=",
            "-XX:+AutoCreateSharedArchive", "-XX:-UseSharedSpaces", "-XX:AOTCache=", "-XX:AOTCacheOutput=", "-XX:AOTMode=", "-XX:AOTConfiguration=");

    private AppJvmOptions() {
    }

    public static List<String> of(AppSpec spec) {
        List<String> options = new ArrayList<>(spec.jvmArgs());
        for (String variable : variables(spec)) {
            String value = variable.substring(variable.indexOf('=') + 1).strip();
            if (!value.isEmpty()) {
                options.addAll(List.of(value.split("\\s+")));
            }
        }
        return options;
    }

    /**
     * Those variables the workers get, as {@code NAME=value}: what the JVM runs with beyond its
     * command line, so a start-up archive's key holds them too.
     */
    static List<String> variables(AppSpec spec) {
        List<String> set = new ArrayList<>();
        for (String name : VARIABLES) {
            String value = spec.env().containsKey(name) ? spec.env().get(name) : System.getenv(name);
            if (value != null) {
                set.add(name + "=" + value);
            }
        }
        return set;
    }

    /** The first of {@code options} that chooses the JVM's archive itself ({@code -Xshare:off}, its own AppCDS or AOT cache); null if none does. */
    static String archiveChoice(List<String> options) {
        return options.stream().filter(o -> ARCHIVE_OPTIONS.stream().anyMatch(o::startsWith) && !o.equals("-Xshare:auto")).findFirst().orElse(null);
    }
}
