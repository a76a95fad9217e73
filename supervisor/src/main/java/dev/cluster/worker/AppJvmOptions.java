package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        variables(spec).values().forEach(value -> options.addAll(split(value)));
        return options;
    }

    /**
     * Those variables the workers get, by name: what the JVM runs with beyond its command line, so a
     * start-up archive's key holds them too.
     */
    static Map<String, String> variables(AppSpec spec) {
        Map<String, String> set = new LinkedHashMap<>();
        for (String name : VARIABLES) {
            String value = spec.env().containsKey(name) ? spec.env().get(name) : System.getenv(name);
            if (value != null) {
                set.put(name, value);
            }
        }
        return set;
    }

    /**
     * Sets those variables in {@code env} as the workers get them, but without the options that load
     * an agent: for a JVM of the start cache that must run without one (JDK 17-24's {@code -Xshare:dump}
     * refuses an agent, and a container often names one, OpenTelemetry's say, in {@code JAVA_TOOL_OPTIONS}).
     */
    static void setWithoutAgents(AppSpec spec, Map<String, String> env) {
        VARIABLES.forEach(env::remove);
        variables(spec).forEach((name, value) -> {
            String kept = String.join(" ", split(value).stream().filter(o -> !agent(o)).toList());
            if (!kept.isEmpty()) {
                env.put(name, kept);
            }
        });
    }

    /** Whether an option loads an agent, Java's or native. */
    static boolean agent(String option) {
        return option.startsWith("-javaagent:") || option.startsWith("-agentlib:") || option.startsWith("-agentpath:");
    }

    private static List<String> split(String value) {
        return value.isBlank() ? List.of() : List.of(value.strip().split("\\s+"));
    }

    /** The first of {@code options} that chooses the JVM's archive itself ({@code -Xshare:off}, its own AppCDS or AOT cache); null if none does. */
    static String archiveChoice(List<String> options) {
        return options.stream().filter(o -> ARCHIVE_OPTIONS.stream().anyMatch(o::startsWith) && !o.equals("-Xshare:auto")).findFirst().orElse(null);
    }
}
