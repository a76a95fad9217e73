package dev.cluster.worker;

/**
 * When to restart a crashed worker, and when to give up.
 * <ul>
 * <li>A run that became ready and lived {@code minUptimeMs} had been serving: it is restarted at
 *     once, as PM2 does by default, and the back-off starts afresh. Waiting would only leave its
 *     share of the app's capacity missing.</li>
 * <li>Any other run (it never became ready, or died within {@code minUptimeMs}) waits before its
 *     restart: {@code restartDelayMs}, then ×1.5 per restart up to 15 s, so a worker that cannot
 *     start does not hammer its dependencies or the machine.</li>
 * <li>A run shorter than {@code minUptimeMs}, or one that failed to bind, is unstable; after
 *     {@code maxRestarts} unstable restarts in a row the worker is errored (PM2's rule).</li>
 * </ul>
 */
public final class RestartPolicy {
    static final long MAX_DELAY_MS = 15_000;
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

    /** The decision after a crash: restart after {@code delayMs} (0: at once), or give up ({@code errored}). */
    public record Decision(boolean errored, long delayMs, int unstableRestarts) {
    }

    /**
     * @param becameReady  the run had become ready (it said so, or listened on the app's port)
     * @param failedToBind the run failed at start-up because its address was taken: unstable whatever its uptime
     */
    public Decision afterCrash(long uptimeMs, boolean becameReady, boolean failedToBind) {
        boolean unstable = uptimeMs < minUptimeMs || failedToBind;
        if (!unstable) {
            unstableRestarts = 0;
        } else if (unstableRestarts >= maxRestarts) {
            return new Decision(true, 0, unstableRestarts);
        } else {
            unstableRestarts++;
        }
        if (becameReady && !unstable) {
            nextDelayMs = restartDelayMs;
            return new Decision(false, 0, unstableRestarts);
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
