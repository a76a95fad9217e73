package dev.cluster.telemetry;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link LoopProbe} needs of an event loop, whatever its framework: to run a task on the loop's thread after a
 * delay, whether the loop is shutting down, and how many tasks wait on it. A Netty loop is a
 * {@link ScheduledExecutorService}; an XNIO I/O thread (Undertow's) schedules through its public {@code XnioExecutor}
 * interface. Both are reached by reflection on the loop's own classes: the agent's class loader cannot see an app's.
 */
interface EventLoop {
    /** Runs {@code task} on the loop's thread in {@code delayNs}; throws {@link RejectedExecutionException} once the loop has stopped. */
    void schedule(Runnable task, long delayNs);

    /** Whether the loop is ending: a loop that is shutting down must see no new tasks (Netty's quiet period would never end). */
    boolean shuttingDown();

    /** Whether the loop has stopped. */
    boolean stopped();

    /** Tasks waiting on the loop; -1 when unknown. */
    long pendingTasks();

    /** The loop itself: a loop is probed once however often it is offered. */
    Object identity();

    static EventLoop netty(ScheduledExecutorService loop) {
        String netty = nettyPackage(loop.getClass().getName());
        return new Netty(loop, publicMethod(loop, netty + ".util.concurrent.EventExecutorGroup", "isShuttingDown"),
                publicMethod(loop, netty + ".util.concurrent.SingleThreadEventExecutor", "pendingTasks"));
    }

    /** Where a loop's Netty lives: "io.netty", or shaded under a prefix ("io.grpc.netty.shaded.io.netty" in gRPC). */
    static String nettyPackage(String loopClass) {
        int at = loopClass.indexOf("io.netty.");
        return at < 0 ? "io.netty" : loopClass.substring(0, at) + "io.netty";
    }

    /** An XNIO I/O thread (org.xnio.XnioIoThread), or null when {@code thread} is none. */
    static EventLoop xnio(Object thread) {
        Method executeAfter = publicMethod(thread, "org.xnio.XnioExecutor", "executeAfter", Runnable.class, long.class, TimeUnit.class);
        Method worker = publicMethod(thread, "org.xnio.XnioIoThread", "getWorker");
        Method isShutdown;
        try {
            isShutdown = Class.forName("org.xnio.XnioWorker", false, thread.getClass().getClassLoader()).getMethod("isShutdown");
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
        return executeAfter == null || worker == null || !(thread instanceof Thread t) ? null : new Xnio(t, executeAfter, worker, isShutdown);
    }

    /** The public method of a public type of the loop's framework, looked up through the loop's class loader; null where not found. */
    private static Method publicMethod(Object loop, String type, String method, Class<?>... parameters) {
        try {
            Class<?> owner = Class.forName(type, false, loop.getClass().getClassLoader());
            return owner.isInstance(loop) ? owner.getMethod(method, parameters) : null;
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    record Netty(ScheduledExecutorService loop, Method isShuttingDown, Method pendingTasksMethod) implements EventLoop {
        @Override
        public void schedule(Runnable task, long delayNs) {
            loop.schedule(task, delayNs, TimeUnit.NANOSECONDS);
        }

        @Override
        public boolean shuttingDown() {
            try {
                return isShuttingDown != null ? (Boolean) isShuttingDown.invoke(loop) : loop.isShutdown();
            } catch (ReflectiveOperationException | RuntimeException e) {
                return loop.isShutdown();
            }
        }

        @Override
        public boolean stopped() {
            return loop.isShutdown();
        }

        @Override
        public long pendingTasks() {
            try {
                return pendingTasksMethod == null ? -1 : ((Number) pendingTasksMethod.invoke(loop)).longValue();
            } catch (ReflectiveOperationException | RuntimeException e) {
                return -1;
            }
        }

        @Override
        public Object identity() {
            return loop;
        }
    }

    /** An XNIO I/O thread: it runs its own selector loop, and its worker says when it shuts down. */
    record Xnio(Thread thread, Method executeAfter, Method getWorker, Method isShutdown) implements EventLoop {
        @Override
        public void schedule(Runnable task, long delayNs) {
            try {
                executeAfter.invoke(thread, task, delayNs, TimeUnit.NANOSECONDS);
            } catch (InvocationTargetException e) {
                // XNIO refuses a task once the thread is exiting
                throw e.getCause() instanceof RejectedExecutionException rejected ? rejected : new RejectedExecutionException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new RejectedExecutionException(e);
            }
        }

        @Override
        public boolean shuttingDown() {
            try {
                return (Boolean) isShutdown.invoke(getWorker.invoke(thread));
            } catch (ReflectiveOperationException | RuntimeException e) {
                return !thread.isAlive();
            }
        }

        @Override
        public boolean stopped() {
            return !thread.isAlive();
        }

        @Override
        public long pendingTasks() {
            return -1;
        }

        @Override
        public Object identity() {
            return thread;
        }
    }
}
