package org.jboss.threads;

import java.util.concurrent.ThreadFactory;

/**
 * Stands in for jboss-threads' executor in PoolsTest and PoolTransformerTest: its name, so the agent
 * picks it, its thread factory's field, and the getters the agent reads (jboss-threads is not on this
 * module's class path).
 */
public class EnhancedQueueExecutor {
    private final ThreadFactory threadFactory;
    private final int active;

    public EnhancedQueueExecutor(ThreadFactory threadFactory, int active) {
        this.threadFactory = threadFactory;
        this.active = active;
    }

    public int getActiveCount() {
        return active;
    }

    public int getMaximumPoolSize() {
        return 200;
    }

    /** Unbounded, as Quarkus's: not counted. */
    public int getQueueSize() {
        return -1;
    }

    public long getRejectedTaskCount() {
        return 3;
    }

    public Thread[] getRunningThreads() {
        return new Thread[0];
    }
}
