package org.xnio;

import java.util.concurrent.ThreadFactory;

/** Stands in for XNIO's worker where PoolsTest needs it: the factory it gives its jboss-threads pool. */
public final class XnioWorker {
    private XnioWorker() {
    }

    public static final class WorkerThreadFactory implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            return new Thread(r, "XNIO-1 task-1");
        }
    }
}
