package org.eclipse.jetty.util.thread;

/**
 * Stands in for Jetty's pool in PoolTransformerTest: its name, so the agent's transformer picks it,
 * and the getters the agent reads, nothing else (Jetty is not on this module's class path).
 */
public class QueuedThreadPool {
    public String getName() {
        return "qtp42";
    }

    public int getBusyThreads() {
        return 200;
    }

    public int getMaxThreads() {
        return 200;
    }

    public int getQueueSize() {
        return 17;
    }
}
