package org.jboss.threads;

import java.util.concurrent.ThreadFactory;

/** Stands in for jboss-threads' factory: the pattern its threads' names follow. */
public final class JBossThreadFactory implements ThreadFactory {
    private final String namePattern;

    public JBossThreadFactory(String namePattern) {
        this.namePattern = namePattern;
    }

    @Override
    public Thread newThread(Runnable r) {
        return new Thread(r, namePattern);
    }

    /** Shaped like what {@code JBossExecutors.resettingThreadFactory} returns: a factory that wraps another. */
    public static final class Resetting implements ThreadFactory {
        private final ThreadFactory delegate;

        public Resetting(ThreadFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public Thread newThread(Runnable r) {
            return delegate.newThread(r);
        }
    }
}
