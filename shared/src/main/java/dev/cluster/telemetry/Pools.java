package dev.cluster.telemetry;

import dev.cluster.protocol.PoolReport;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pools a worker's requests wait for, read once a second: executors the app registered, the
 * ForkJoin common pool, Tomcat's and Jetty's request thread pools, Quarkus's worker pool (jboss-threads)
 * and Vert.x's worker pools (the agent makes them known as they are built: {@link #found}), and from their MBeans XNIO's worker
 * pools (Undertow's request threads) and HikariCP's connection pools.
 */
public final class Pools {
    /** MBeans appear as the app starts (Spring registers them late): look for new ones this often. */
    private static final long RESCAN_MS = 10_000;
    static final int MAX_POOLS = 32;
    private static final Map<String, Registered> registered = new ConcurrentHashMap<>();

    /** Tomcat's, Jetty's and jboss-threads' pools and Vert.x instances, as the agent found them; weakly held, so one the app drops goes. */
    private static final Map<Object, Boolean> servers = Collections.synchronizedMap(new WeakHashMap<>());
    private List<Bean> hikari = List.of();
    private List<Bean> xnio = List.of();
    private long scannedAtMs = -RESCAN_MS; // the first sample scans

    private record Registered(ThreadPoolExecutor executor, AtomicLong rejections) {
    }

    private record Bean(MBeanServer server, ObjectName name) {
        int intAttribute(ObjectName of, String attribute) throws Exception {
            return ((Number) server.getAttribute(of, attribute)).intValue();
        }
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

    /**
     * Called from the constructors of Tomcat's {@code ThreadPoolExecutor}, Jetty's {@code QueuedThreadPool},
     * jboss-threads' {@code EnhancedQueueExecutor} and Vert.x's {@code VertxImpl} (see {@code PoolTransformer});
     * never throws into them.
     */
    public static void found(Object pool) {
        try {
            servers.put(pool, Boolean.TRUE);
        } catch (RuntimeException e) {
            // not reported, and the server is not disturbed
        }
    }

    /** Every pool's figures now, at most {@link #MAX_POOLS}. A pool that cannot be read is left out. */
    List<PoolReport> sample(long nowMs) {
        if (nowMs - scannedAtMs >= RESCAN_MS) {
            scannedAtMs = nowMs;
            hikari = query("com.zaxxer.hikari:type=Pool (*");
            // Each XNIO worker registers itself (Undertow's has its request threads); its servers' beans have an address too.
            xnio = query("org.xnio:type=Xnio,*").stream()
                    .filter(b -> b.name().getKeyProperty("worker") != null && b.name().getKeyProperty("address") == null).toList();
        }
        List<PoolReport> out = new ArrayList<>();
        registered.forEach((name, r) -> out.add(new PoolReport(name, "executor", r.executor.getActiveCount(),
                r.executor.getMaximumPoolSize(), r.executor.getQueue().size(), r.rejections.get())));
        ForkJoinPool common = ForkJoinPool.commonPool();
        out.add(new PoolReport("common", "forkjoin", common.getActiveThreadCount(), common.getParallelism(),
                common.getQueuedSubmissionCount() + common.getQueuedTaskCount(), -1));
        List<Object> found;
        synchronized (servers) {
            found = new ArrayList<>(servers.keySet());
        }
        for (Object pool : found) {
            String type = pool.getClass().getName();
            if (type.startsWith("io.vertx.")) {
                vertx(out, pool);
            } else if (type.startsWith("org.jboss.threads.")) {
                jbossThreads(out, pool);
            } else {
                read(out, () -> type.startsWith("org.eclipse.jetty.")
                        ? new PoolReport(String.valueOf(call(pool, "getName")), "jetty", intCall(pool, "getBusyThreads"), intCall(pool, "getMaxThreads"),
                                intCall(pool, "getQueueSize"), -1)
                        : new PoolReport(tomcatName(pool), "tomcat", intCall(pool, "getActiveCount"), intCall(pool, "getMaximumPoolSize"),
                                ((java.util.Collection<?>) call(pool, "getQueue")).size(), -1));
            }
        }
        for (Bean bean : xnio) {
            read(out, () -> new PoolReport(ObjectName.unquote(bean.name().getKeyProperty("worker")), "xnio",
                    bean.intAttribute(bean.name(), "BusyWorkerThreadCount"), bean.intAttribute(bean.name(), "MaxWorkerPoolSize"),
                    bean.intAttribute(bean.name(), "WorkerQueueSize"), -1));
        }
        for (Bean bean : hikari) {
            read(out, () -> {
                String pool = bean.name().getKeyProperty("type").substring("Pool (".length()).replace(")", "");
                return new PoolReport(pool, "hikari", bean.intAttribute(bean.name(), "ActiveConnections"),
                        bean.intAttribute(new ObjectName("com.zaxxer.hikari:type=PoolConfig (" + pool + ")"), "MaximumPoolSize"),
                        bean.intAttribute(bean.name(), "ThreadsAwaitingConnection"), -1);
            });
        }
        return out.size() > MAX_POOLS ? List.copyOf(out.subList(0, MAX_POOLS)) : out;
    }

    private interface Reading {
        PoolReport read() throws Exception;
    }

    /** Adds what {@code reading} reads, unless it is null (a pool to leave out). */
    private static void read(List<PoolReport> out, Reading reading) {
        try {
            PoolReport report = reading.read();
            if (report != null) {
                out.add(report);
            }
        } catch (Exception e) {
            // unregistered since the scan, or not the shape we know: not reported this second
        }
    }

    private static Object call(Object target, String method) throws ReflectiveOperationException {
        return target.getClass().getMethod(method).invoke(target);
    }

    private static int intCall(Object target, String method) throws ReflectiveOperationException {
        return ((Number) call(target, method)).intValue();
    }

    /**
     * A Vert.x instance's worker pools, where blocking code runs off its event loops ({@code executeBlocking}, worker
     * verticles): the default one, under the name of its threads, and those made by {@code createSharedWorkerExecutor(name)}.
     */
    static void vertx(List<PoolReport> out, Object vertx) {
        read(out, () -> vertxPool("vert.x-worker-thread", call(vertx, "getWorkerPool")));
        List<Map.Entry<?, ?>> named = new ArrayList<>();
        try {
            java.lang.reflect.Field field = vertx.getClass().getDeclaredField("namedWorkerPools");
            field.setAccessible(true);
            named.addAll(((Map<?, ?>) field.get(vertx)).entrySet()); // a pool made meanwhile: read next second
        } catch (ReflectiveOperationException | RuntimeException e) {
            // the default pool only
        }
        for (Map.Entry<?, ?> pool : named) {
            read(out, () -> vertxPool(String.valueOf(pool.getKey()), pool.getValue()));
        }
    }

    /** A Vert.x {@code WorkerPool}: its executor is a JDK {@code ThreadPoolExecutor} unless the app set a factory of its own. */
    private static PoolReport vertxPool(String name, Object workerPool) throws ReflectiveOperationException {
        ThreadPoolExecutor executor = (ThreadPoolExecutor) call(workerPool, "executor");
        return new PoolReport(name, "vertx", executor.getActiveCount(), executor.getMaximumPoolSize(), executor.getQueue().size(), -1);
    }

    /**
     * A jboss-threads {@code EnhancedQueueExecutor}: Quarkus's worker pool ("executor-thread"), and Vert.x's pools in
     * Quarkus. Its queue is counted only when bounded (Quarkus's is not: -1, see {@link PoolReport}), its busy threads
     * only where the app turned that on (Quarkus does; else the pool is left out), and what it refused only with its
     * statistics on. XNIO builds its workers' pools on it too where jboss-threads is present: those are read from
     * XNIO's MBean already, under the worker's name, so they are left out here.
     */
    static void jbossThreads(List<PoolReport> out, Object executor) {
        read(out, () -> {
            ThreadFactory factory = (ThreadFactory) field(executor, "threadFactory");
            if (factory.getClass().getName().startsWith("org.xnio.")) {
                return null;
            }
            int active = intCall(executor, "getActiveCount");
            return active < 0 ? null : new PoolReport(jbossThreadsName(factory, (Thread[]) call(executor, "getRunningThreads")), "jboss",
                    active, intCall(executor, "getMaximumPoolSize"), intCall(executor, "getQueueSize"),
                    ((Number) call(executor, "getRejectedTaskCount")).longValue());
        });
    }

    /**
     * "executor-thread": the start of its {@code JBossThreadFactory}'s pattern for its threads' names
     * ("executor-thread-%t"), which Quarkus wraps in another factory, or of the one string a factory holds (Vert.x's
     * lambda holds the prefix it numbers its threads after, "vert.x-internal-blocking-"); else a running thread's name
     * without its number.
     */
    private static String jbossThreadsName(ThreadFactory factory, Thread[] running) {
        Object inner = factory;
        for (int depth = 0; depth < 3 && inner != null; depth++) {
            String pattern = fieldOf(inner, String.class);
            if (pattern != null) {
                int token = pattern.indexOf('%');
                return (token < 0 ? pattern : pattern.substring(0, token)).replaceAll("[-_. ]+$", "");
            }
            inner = fieldOf(inner, ThreadFactory.class); // a factory that wraps another (jboss-threads' resetting one)
        }
        return running.length > 0 ? running[0].getName().replaceAll("[-_. ]*\\d+$", "") : "jboss-threads";
    }

    /** The value of the one field of {@code target} of that type, else null (none, or more than one). */
    private static <T> T fieldOf(Object target, Class<T> type) {
        T found = null;
        for (java.lang.reflect.Field f : target.getClass().getDeclaredFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) && type.isAssignableFrom(f.getType())) {
                if (found != null) {
                    return null;
                }
                try {
                    f.setAccessible(true);
                    found = type.cast(f.get(target));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return null;
                }
            }
        }
        return found;
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field field = target.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(target);
    }

    /** "http-nio-8080", from the prefix its thread factory gives its threads ("http-nio-8080-exec-"). */
    private static String tomcatName(Object executor) {
        try {
            Object factory = call(executor, "getThreadFactory");
            String name = String.valueOf(field(factory, "namePrefix"));
            return name.endsWith("-exec-") ? name.substring(0, name.length() - "-exec-".length()) : name;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "tomcat-" + Integer.toHexString(System.identityHashCode(executor));
        }
    }

    /**
     * The MBeans of that pattern in the MBean servers the app made (HikariCP's are in the platform
     * one, which it makes when it registers them). Not {@code ManagementFactory.getPlatformMBeanServer()}:
     * making it, with every platform MBean (JFR's among them), took ~0.2 s of a cold JVM's start,
     * for an app that has no MBean of its own to read.
     */
    private static List<Bean> query(String pattern) {
        List<Bean> found = new ArrayList<>();
        try {
            ObjectName names = new ObjectName(pattern);
            for (MBeanServer server : MBeanServerFactory.findMBeanServer(null)) {
                for (ObjectName name : server.queryNames(names, null)) {
                    found.add(new Bean(server, name));
                }
            }
        } catch (MalformedObjectNameException | RuntimeException e) {
            // none this time
        }
        return found;
    }

}
