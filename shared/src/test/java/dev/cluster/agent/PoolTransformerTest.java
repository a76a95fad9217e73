package dev.cluster.agent;

import dev.cluster.protocol.PoolReport;
import dev.cluster.telemetry.PoolsProbe;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class PoolTransformerTest {
    /** Shaped like Tomcat's executor where it matters: two constructors, one calling the other, and its getters. */
    public static final class FakeExecutor {
        private final BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(10);
        private final ThreadFactory factory = new NamedFactory();

        public FakeExecutor() {
            this(3);
        }

        public FakeExecutor(int queued) {
            for (int i = 0; i < queued; i++) {
                queue.add(() -> { });
            }
        }

        public int getActiveCount() {
            return 8;
        }

        public int getMaximumPoolSize() {
            return 8;
        }

        public BlockingQueue<Runnable> getQueue() {
            return queue;
        }

        public ThreadFactory getThreadFactory() {
            return factory;
        }
    }

    public static final class NamedFactory implements ThreadFactory {
        private final String namePrefix = "http-nio-1234-exec-";

        @Override
        public Thread newThread(Runnable r) {
            return new Thread(r, namePrefix);
        }
    }

    @Test
    void everyConstructorMakesThePoolKnownOnceAndItIsReadAsTomcatsIs() throws Exception {
        byte[] original;
        try (InputStream in = FakeExecutor.class.getResourceAsStream("PoolTransformerTest$FakeExecutor.class")) {
            original = in.readAllBytes();
        }
        byte[] injected = PoolTransformer.inject(original);
        Class<?> fake = new ClassLoader(getClass().getClassLoader()) {
            Class<?> define() {
                return defineClass(FakeExecutor.class.getName(), injected, 0, injected.length);
            }
        }.define();
        Object pool = fake.getConstructor().newInstance();
        PoolReport report = PoolsProbe.sample().stream().filter(p -> p.kind().equals("tomcat")).findFirst().orElseThrow();
        assertEquals(new PoolReport("http-nio-1234", "tomcat", 8, 8, 3, -1), report);
        assertEquals(1, PoolsProbe.sample().stream().filter(p -> p.kind().equals("tomcat")).count(), "found once, though two constructors ran");
        assertEquals(FakeExecutor.class.getName(), pool.getClass().getName());
    }

    @Test
    void jettysPoolIsPickedByItsNameAndReadAsJettysIs() throws Exception {
        byte[] original;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(PoolTransformer.JETTY + ".class")) {
            original = in.readAllBytes();
        }
        byte[] injected = new PoolTransformer().transform(null, PoolTransformer.JETTY, null, null, original);
        Class<?> jetty = new ClassLoader(getClass().getClassLoader()) {
            Class<?> define() {
                return defineClass(PoolTransformer.JETTY.replace('/', '.'), injected, 0, injected.length);
            }
        }.define();
        Object pool = jetty.getConstructor().newInstance();
        PoolReport report = PoolsProbe.sample().stream().filter(p -> p.kind().equals("jetty")).findFirst().orElseThrow();
        assertEquals(new PoolReport("qtp42", "jetty", 200, 200, 17, -1), report);
        assertEquals(jetty, pool.getClass());
    }

    @Test
    void jbossThreadsExecutorIsPickedByItsName() throws Exception {
        byte[] original;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(PoolTransformer.JBOSS_THREADS + ".class")) {
            original = in.readAllBytes();
        }
        assertNotNull(new PoolTransformer().transform(null, PoolTransformer.JBOSS_THREADS, null, null, original));
    }

    @Test
    void otherClassesAreLeftAlone() {
        assertNull(new PoolTransformer().transform(null, "org/example/Executor", null, null, new byte[] {1, 2, 3}));
    }
}
