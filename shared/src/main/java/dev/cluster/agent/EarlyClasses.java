package dev.cluster.agent;

import dev.cluster.agent.bind.PortSharing;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * The app's classes loaded before the agent's transformers were added, given to them now. A JDK 24+ AOT cache (the
 * start cache from JDK 25) loads the classes it links ahead of time as the JVM starts, before any premain, and with them
 * some it left out (ours among them: a class a transformer changed in the training start is not cached) that its
 * classes' checks name. A worker started from one can have Netty's native socket, an XNIO I/O thread or a pool class
 * loaded already: without this, the socket's bind does not share the port (the restart or reload of a Vert.x, Reactor
 * Netty or Netty server on epoll fails with "address already in use") and those loops and pools go unwatched. A class
 * loaded later passes the transformers as it loads, as before. Retransforming costs ~11 ms where a class is found (the JVM
 * redefines it), the search ~2 µs per class the app loader has (4-10 ms from an AOT cache, well under one otherwise).
 */
final class EarlyClasses {
    private EarlyClasses() {
    }

    /**
     * Retransforms the loaded classes that the agent's transformers (added with retransformation on) instrument; says so
     * on the worker's err if the JVM refuses (those classes then run as the app has them).
     */
    static void retransform(Instrumentation instrumentation) {
        List<Class<?>> early = new ArrayList<>();
        // An AOT cache loads the app's classes with the app class loader: the classes it initiated are the candidates.
        for (Class<?> loaded : instrumentation.getInitiatedClasses(ClassLoader.getSystemClassLoader())) {
            if (instrumented(loaded) && instrumentation.isModifiableClass(loaded)) {
                early.add(loaded);
            }
        }
        if (!early.isEmpty()) {
            try {
                instrumentation.retransformClasses(early.toArray(new Class<?>[0]));
            } catch (Exception | LinkageError e) {
                System.err.println("cluster agent: " + early + ", loaded before the agent (from an AOT cache), are left as they are: " + e);
            }
        }
    }

    /** Whether one of the agent's transformers changes this class: the same test each makes of a class as it loads. */
    static boolean instrumented(Class<?> loaded) {
        String name = loaded.getName().replace('.', '/');
        Class<?> superclass = loaded.getSuperclass();
        return PortSharing.instrumentsAppClass(name) || PoolTransformer.isPool(name)
                || superclass != null && LoopTransformer.isLoop(name, superclass.getName().replace('.', '/'));
    }
}
