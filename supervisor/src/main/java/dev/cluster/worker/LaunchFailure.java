package dev.cluster.worker;

import java.util.List;

/** Why a worker did not come online (or a replacement did not take over), with what it said last. */
public final class LaunchFailure extends RuntimeException {
    private final ExitOutput output;

    public LaunchFailure(String message, ExitOutput output) {
        super(message + ("stdout".equals(output.stream()) && !output.lines().isEmpty() ? "; its last lines on stdout:" : ""), null, false, false);
        this.output = output;
    }

    public ExitOutput output() {
        return output;
    }

    public List<String> lines() {
        return output.lines();
    }
}
