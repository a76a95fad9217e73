package dev.cluster.protocol;

/**
 * One CLI request on the control socket. {@code target} is {@code all}, an app name, {@code app:id},
 * or a bare worker id; {@code app} is set for {@code start}.
 */
public record Request(int v, String command, String target, AppSpec app) implements Versioned {
    public static Request of(String command) {
        return new Request(Wire.VERSION, command, null, null);
    }

    public static Request targeting(String command, String target) {
        return new Request(Wire.VERSION, command, target, null);
    }

    public static Request start(AppSpec app) {
        return new Request(Wire.VERSION, "start", null, app);
    }
}
