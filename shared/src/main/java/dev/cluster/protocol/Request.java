package dev.cluster.protocol;

import java.util.List;
import java.util.Map;

/**
 * One CLI request on the control socket. {@code target} is {@code all}, an app name, {@code app:id},
 * or a bare worker id; {@code app} is set for {@code start}; {@code parallel} and {@code env} (new
 * environment, or null to keep it) and {@code jvmArgs} (likewise) for {@code reload}; {@code count} ({@code N}, {@code +N},
 * {@code -N}) for {@code scale} (and the port for {@code metrics}); {@code signal} (a name such as
 * {@code USR1}) for {@code signal}.
 */
public record Request(int v, String command, String target, AppSpec app, Integer parallel, Map<String, String> env,
                      String count, List<String> jvmArgs, String signal) implements Versioned {
    public static Request of(String command) {
        return new Request(Wire.VERSION, command, null, null, null, null, null, null, null);
    }

    public static Request targeting(String command, String target) {
        return new Request(Wire.VERSION, command, target, null, null, null, null, null, null);
    }

    public static Request start(AppSpec app) {
        return new Request(Wire.VERSION, "start", null, app, null, null, null, null, null);
    }

    public static Request reload(String target, int parallel, Map<String, String> env, List<String> jvmArgs) {
        return new Request(Wire.VERSION, "reload", target, null, parallel, env, null, jvmArgs, null);
    }

    public static Request signal(String signal, String target) {
        return new Request(Wire.VERSION, "signal", target, null, null, null, null, null, signal);
    }

    public static Request scale(String app, String count) {
        return new Request(Wire.VERSION, "scale", app, null, null, null, count, null, null);
    }
}
