package dev.cluster.protocol;

import java.util.List;
import java.util.Map;

/**
 * One CLI request on the control socket. {@code target} is {@code all}, an app name, {@code app:id},
 * or a bare worker id; {@code app} is set for {@code start}; {@code parallel} and {@code env} (new
 * environment, or null to keep it) and {@code jvmArgs} (likewise) for {@code reload}; {@code count} ({@code N}, {@code +N},
 * {@code -N}) for {@code scale} (and the port for {@code metrics}); {@code signal} (a name such as
 * {@code USR1}) for {@code signal}. {@code output} ({@code table} or {@code json}) asks {@code list} for the
 * text the CLI prints, rendered by the daemon, in {@code message}; {@code colour} for the table.
 * {@code showEnv} asks {@code describe} for the values of the apps' environment (else names only).
 */
public record Request(int v, String command, String target, AppSpec app, Integer parallel, Map<String, String> env,
                      String count, List<String> jvmArgs, String signal, String output, Boolean colour, Boolean showEnv) implements Versioned {
    public static Request of(String command) {
        return new Request(Wire.VERSION, command, null, null, null, null, null, null, null, null, null, null);
    }

    public static Request targeting(String command, String target) {
        return new Request(Wire.VERSION, command, target, null, null, null, null, null, null, null, null, null);
    }

    /** {@code describe}; the environment's values only when {@code showEnv}. */
    public static Request describe(String target, boolean showEnv) {
        return new Request(Wire.VERSION, "describe", target, null, null, null, null, null, null, null, null, showEnv ? Boolean.TRUE : null);
    }

    public static Request start(AppSpec app) {
        return new Request(Wire.VERSION, "start", null, app, null, null, null, null, null, null, null, null);
    }

    public static Request reload(String target, int parallel, Map<String, String> env, List<String> jvmArgs) {
        return new Request(Wire.VERSION, "reload", target, null, parallel, env, null, jvmArgs, null, null, null, null);
    }

    public static Request signal(String signal, String target) {
        return new Request(Wire.VERSION, "signal", target, null, null, null, null, null, signal, null, null, null);
    }

    /** {@code list}, answered with the text the CLI prints: {@code json} the array, else the table. */
    public static Request listOutput(boolean json, boolean colour) {
        return new Request(Wire.VERSION, "list", null, null, null, null, null, null, null, json ? "json" : "table", colour, null);
    }

    /** {@code metrics}; with a port, the daemon serves them there over HTTP instead. */
    public static Request metrics(Integer port) {
        return new Request(Wire.VERSION, "metrics", null, null, null, null, port == null ? null : port.toString(), null, null, null, null, null);
    }

    public static Request scale(String app, String count) {
        return new Request(Wire.VERSION, "scale", app, null, null, null, count, null, null, null, null, null);
    }
}
