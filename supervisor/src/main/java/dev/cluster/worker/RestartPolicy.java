package dev.cluster.worker;

/**
 * When to restart a crashed worker, and when to give up. A run shorter than {@code minUptimeMs} is
 * unstable; after {@code maxRestarts} unstable restarts in a row the worker is errored (PM2's rule).
 * The delay starts at {@code restartDelayMs} and grows ×1.5 per restart up to 15 s, so a worker that
 * keeps crashing after a few seconds does not hammer its dependencies; a run of 30 s resets it.
 */
public final class RestartPolicy {
    static final long MAX_DELAY_MS = 15_000;
    static final long STABLE_UPTIME_MS = 30_000;
    static final double BACKOFF_FACTOR = 1.5;

    private final long restartDelayMs;
    private final int maxRestarts;
    private final long minUptimeMs;
    private int unstableRestarts;
    private long nextDelayMs;

    public RestartPolicy(long restartDelayMs, int maxRestarts, long minUptimeMs) {
        this.restartDelayMs = restartDelayMs;
        this.maxRestarts = maxRestarts;
        this.minUptimeMs = minUptimeMs;
        this.nextDelayMs = restartDelayMs;
    }

    /** The decision after a crash: restart after {@code delayMs}, or give up ({@code errored}). */
    public record Decision(boolean errored, long delayMs, int unstableRestarts) {
    }

    /** @param unstable the run counts as unstable whatever its uptime (it failed at start-up) */
    public Decision afterCrash(long uptimeMs, boolean unstable) {
        if (uptimeMs >= STABLE_UPTIME_MS && !unstable) {
            nextDelayMs = restartDelayMs;
        }
        if (uptimeMs >= minUptimeMs && !unstable) {
            unstableRestarts = 0;
        } else if (unstableRestarts >= maxRestarts) {
            return new Decision(true, 0, unstableRestarts);
        } else {
            unstableRestarts++;
        }
        long delay = nextDelayMs;
        nextDelayMs = Math.min(MAX_DELAY_MS, (long) (nextDelayMs * BACKOFF_FACTOR));
        return new Decision(false, delay, unstableRestarts);
    }

    /** A deliberate restart by the user starts the count afresh. */
    public void reset() {
        unstableRestarts = 0;
        nextDelayMs = restartDelayMs;
    }
}
