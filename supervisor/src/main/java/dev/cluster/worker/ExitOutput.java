package dev.cluster.worker;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What a process said before it exited, as shown with its exit: the last lines of its stderr, or
 * of its stdout when stderr has nothing but JVM warnings (Spring Boot, for one, prints why it failed
 * to stdout). The JVM's own warnings (restricted methods, sun.misc.Unsafe, illegal access) are never
 * taken for the cause.
 *
 * @param stream "stderr" or "stdout": where the lines come from
 */
public record ExitOutput(String stream, List<String> lines) {
    public static final ExitOutput NONE = new ExitOutput("stderr", List.of());

    private static final Pattern JVM_WARNING = Pattern.compile(
            "^(WARNING: (A restricted method|Use --enable-native-access|Restricted methods will be blocked|A terminally deprecated method"
                    + "|sun\\.misc\\.Unsafe::|Please consider reporting|.* will be removed in a future release|An illegal reflective access"
                    + "|Illegal reflective access|All illegal access operations|A Java agent has been loaded|If a serviceability tool"
                    + "|Dynamic loading of agents|java\\.lang\\.System::|System::)"
                    + "|(OpenJDK|Java HotSpot\\(TM\\)) 64-Bit Server VM warning:)");

    public ExitOutput {
        lines = List.copyOf(lines);
    }

    /** The lines to show for an exit, from the last lines of each stream. */
    public static ExitOutput of(List<String> stderr, List<String> stdout) {
        List<String> err = stderr.stream().filter(line -> !JVM_WARNING.matcher(line).find()).toList();
        if (!err.isEmpty()) {
            return new ExitOutput("stderr", err);
        }
        List<String> out = stdout.stream().filter(line -> !JVM_WARNING.matcher(line).find() && !line.isBlank()).toList();
        return out.isEmpty() ? new ExitOutput("stderr", stderr) : new ExitOutput("stdout", out);
    }
}
