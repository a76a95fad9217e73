package dev.cluster.worker;

import java.util.List;

/** Why a worker did not come online (or a replacement did not take over), with what it said last. */
public final class LaunchFailure extends RuntimeException {
    private final String reason;
    private final ExitOutput output;

    public LaunchFailure(String reason, ExitOutput output) {
        super(reason + ("stdout".equals(output.stream()) && !output.lines().isEmpty() ? "; its last lines on stdout:" : ""), null, false, false);
        this.reason = reason;
        this.output = output;
    }

    /** Why, without the words that introduce its output: for a message that adds more before the lines. */
    public String reason() {
        return reason;
    }

    public ExitOutput output() {
        return output;
    }

    public List<String> lines() {
        return output.lines();
    }
}
