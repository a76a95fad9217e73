package dev.cluster.agent;

import dev.cluster.telemetry.Pools;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.List;

/**
 * Makes every request thread pool of Tomcat and Jetty, every jboss-threads executor (Quarkus's worker
 * pool, where its blocking endpoints run) and every Vert.x instance (its worker pools), known to
 * {@link Pools} as it is built, by a call put at the end of each of its constructors:
 * {@code Pools.found(this)} (a {@link StaticCall}: the server's class loader need not see the agent's
 * classes). None of them says what waits for its pool otherwise (Tomcat's MBean has no queue; Jetty's
 * exists only with JMX set up; Quarkus registers no MBean for its executor; Vert.x's pool metrics
 * only with a metrics library).
 */
final class PoolTransformer implements ClassFileTransformer {
    static final String TOMCAT = "org/apache/tomcat/util/threads/ThreadPoolExecutor";
    static final String JETTY = "org/eclipse/jetty/util/thread/QueuedThreadPool";
    static final String VERTX = "io/vertx/core/impl/VertxImpl";
    static final String JBOSS_THREADS = "org/jboss/threads/EnhancedQueueExecutor";

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (!isPool(className)) {
            return null;
        }
        try {
            return inject(bytes);
        } catch (Throwable e) {
            return null; // the pool goes unreported; the server runs as it would without us
        }
    }

    /** Whether the class of this internal name is one whose constructors this instruments. */
    static boolean isPool(String className) {
        return TOMCAT.equals(className) || JETTY.equals(className) || VERTX.equals(className) || JBOSS_THREADS.equals(className);
    }

    static byte[] inject(byte[] bytes) {
        return StaticCall.rewrite(bytes, (name, descriptor, mv) -> !name.equals("<init>") ? mv : new MethodVisitor(Opcodes.ASM9, mv) {
            @Override
            public void visitInsn(int opcode) {
                if (opcode == Opcodes.RETURN) {
                    StaticCall.emit(this, Pools.class, "found", List.of(Object.class), List.of(m -> m.visitVarInsn(Opcodes.ALOAD, 0)));
                }
                super.visitInsn(opcode);
            }
        });
    }
}
