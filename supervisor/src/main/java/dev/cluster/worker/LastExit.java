package dev.cluster.worker;

import java.util.function.BooleanSupplier;

/**
 * What is known of the last exit of a slot's serving process: in words ({@code killed by signal 9 (SIGKILL) at … after 980 ms}),
 * whose it was, its last lines, and the state it was in then. For a process handled as its death watch fired, the words
 * start {@link #DYING} until the reap brings its status.
 */
record LastExit(String text, long pid, ExitOutput output, AttemptState from) {
    static final String DYING = "died (its death watch fired)";
    static final LastExit NONE = new LastExit(null, 0, ExitOutput.NONE, null);

    /** An exit status in words; for a process that was starting or serving (not stopped, not killed as hung), with the OOM killer's part. */
    static String words(int status, AttemptState was, BooleanSupplier oomKillJustNow) {
        return was == AttemptState.LAUNCHING || was == AttemptState.READY
                ? Signals.describeUnaskedExit(status, oomKillJustNow) : Signals.describeExit(status);
    }

    /** {@code attempt} reaped, its status in {@code words}: if this exit is its, and was known from the death watch, those and its last lines. */
    LastExit reaped(Attempt attempt, String words) {
        if (text == null || !text.startsWith(DYING) || pid != attempt.pid()) {
            return this;
        }
        return new LastExit(words + text.substring(DYING.length()), pid,
                ExitOutput.of(attempt.process().lastErrLines(), attempt.process().lastOutLines()), from);
    }
}
