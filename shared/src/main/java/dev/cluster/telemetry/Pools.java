package dev.cluster.telemetry;

import dev.cluster.protocol.PoolReport;

import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pools a worker's requests wait for, read once a second: executors the app registered, the
 * ForkJoin common pool, and the pools that servers and connection pools already publish as
 * platform MBeans (Tomcat's request threads, Jetty's {@code QueuedThreadPool}, HikariCP). Nothing
 * is changed in the app: an MBean that is not registered is simply not reported.
 */
public final class Pools {
    /** MBeans appear as the app starts (Spring registers them late): look for new ones this often. */
    private static final long RESCAN_MS = 10_000;
    static final int MAX_POOLS = 32;
    private static final Map<String, Registered> registered = new ConcurrentHashMap<>();

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private Set<ObjectName> tomcat = Set.of();
    private Set<ObjectName> jetty = Set.of();
    private Set<ObjectName> hikari = Set.of();
    private long scannedAtMs = Long.MIN_VALUE;

    private record Registered(ThreadPoolExecutor executor, AtomicLong rejections) {
    }

    /**
     * Reports {@code executor} as pool {@code name}. Its rejection handler is wrapped so refused
     * tasks are counted, and then does what it did before.
     */
    public static void monitor(ThreadPoolExecutor executor, String name) {
        AtomicLong rejections = new AtomicLong();
        RejectedExecutionHandler handler = executor.getRejectedExecutionHandler();
        executor.setRejectedExecutionHandler((task, pool) -> {
            rejections.incrementAndGet();
            handler.rejectedExecution(task, pool);
        });
        registered.put(name, new Registered(executor, rejections));
    }

    /** Every pool's figures now, at most {@link #MAX_POOLS}. A pool that cannot be read is left out. */
    List<PoolReport> sample(long nowMs) {
        if (nowMs - scannedAtMs >= RESCAN_MS) {
            scannedAtMs = nowMs;
            tomcat = query("*:type=ThreadPool,name=*");
            jetty = query("org.eclipse.jetty.util.thread:type=queuedthreadpool,*");
            hikari = query("com.zaxxer.hikari:type=Pool (*");
        }
        List<PoolReport> out = new ArrayList<>();
        registered.forEach((name, r) -> out.add(new PoolReport(name, "executor", r.executor.getActiveCount(),
                r.executor.getMaximumPoolSize(), r.executor.getQueue().size(), r.rejections.get())));
        ForkJoinPool common = ForkJoinPool.commonPool();
        out.add(new PoolReport("common", "forkjoin", common.getActiveThreadCount(), common.getParallelism(),
                common.getQueuedSubmissionCount() + common.getQueuedTaskCount(), -1));
        for (ObjectName name : tomcat) {
            // Tomcat does not publish its task queue; connections open, neither being served nor idle
            // between requests, are the ones waiting for a thread.
            read(out, () -> {
                int busy = intAttribute(name, "currentThreadsBusy");
                long waiting = longAttribute(name, "connectionCount") - busy - intAttribute(name, "keepAliveCount");
                return new PoolReport(unquote(name.getKeyProperty("name")), "tomcat", busy, intAttribute(name, "maxThreads"), Math.max(0, waiting), -1);
            });
        }
        for (ObjectName name : jetty) {
            read(out, () -> new PoolReport("qtp" + name.getKeyProperty("id"), "jetty", intAttribute(name, "busyThreads"),
                    intAttribute(name, "maxThreads"), intAttribute(name, "queueSize"), -1));
        }
        for (ObjectName name : hikari) {
            read(out, () -> {
                String pool = name.getKeyProperty("type").substring("Pool (".length()).replace(")", "");
                return new PoolReport(pool, "hikari", intAttribute(name, "ActiveConnections"),
                        intAttribute(new ObjectName("com.zaxxer.hikari:type=PoolConfig (" + pool + ")"), "MaximumPoolSize"),
                        intAttribute(name, "ThreadsAwaitingConnection"), -1);
            });
        }
        return out.size() > MAX_POOLS ? List.copyOf(out.subList(0, MAX_POOLS)) : out;
    }

    private interface Reading {
        PoolReport read() throws Exception;
    }

    private static void read(List<PoolReport> out, Reading reading) {
        try {
            out.add(reading.read());
        } catch (Exception e) {
            // unregistered since the scan, or not the shape we know: not reported this second
        }
    }

    private Set<ObjectName> query(String pattern) {
        try {
            return server.queryNames(new ObjectName(pattern), null);
        } catch (MalformedObjectNameException | RuntimeException e) {
            return Set.of();
        }
    }

    private int intAttribute(ObjectName name, String attribute) throws Exception {
        return ((Number) server.getAttribute(name, attribute)).intValue();
    }

    private long longAttribute(ObjectName name, String attribute) throws Exception {
        return ((Number) server.getAttribute(name, attribute)).longValue();
    }

    private static String unquote(String s) {
        return s != null && s.length() > 1 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
