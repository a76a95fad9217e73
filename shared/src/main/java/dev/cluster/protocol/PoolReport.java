package dev.cluster.protocol;

/**
 * One pool of a worker in one report: a thread pool (threads busy of its maximum, tasks or
 * connections waiting for one) or a connection pool (connections lent of its maximum, threads
 * waiting for one).
 *
 * @param kind       where it was found: {@code executor} (registered by the app), {@code forkjoin},
 *                   {@code tomcat}, {@code jetty}, {@code xnio}, {@code vertx}, {@code jboss} (jboss-threads), {@code hikari}
 * @param queued     what waits for the pool right now; -1 when the pool does not count it (jboss-threads' unbounded queue)
 * @param rejections work the pool refused since the worker started; -1 when the pool does not say
 */
public record PoolReport(String name, String kind, int active, int max, long queued, long rejections) {

    /**
     * At its maximum with work waiting: what saturation means for every kind. A pool that does not count what waits
     * is taken as full at its maximum (its queue is unbounded: more work waits there).
     */
    public boolean full() {
        return max > 0 && active >= max && queued != 0;
    }
}
