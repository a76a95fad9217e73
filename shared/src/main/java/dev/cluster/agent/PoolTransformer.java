package dev.cluster.agent;

import dev.cluster.telemetry.Pools;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * Makes every request thread pool of Tomcat and Jetty known to {@link Pools} as it is built, by a
 * call put at the end of each of its constructors: {@code Pools.found(this)}. Neither server says
 * what waits for its pool otherwise (Tomcat's MBean has no queue; Jetty's exists only with JMX set
 * up). The call is straight-line bytecode naming only java.base, because the server's class loader
 * (Spring Boot's, a webapp's) need not see the agent's classes: it loads {@code Pools} from the
 * system class loader, where {@code -javaagent} put this jar, and invokes it reflectively; a pool is
 * built once, so reflection costs nothing that matters, and {@code found} never throws.
 */
final class PoolTransformer implements ClassFileTransformer {
    static final String TOMCAT = "org/apache/tomcat/util/threads/ThreadPoolExecutor";
    static final String JETTY = "org/eclipse/jetty/util/thread/QueuedThreadPool";

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (!TOMCAT.equals(className) && !JETTY.equals(className)) {
            return null;
        }
        try {
            return inject(bytes);
        } catch (Throwable e) {
            return null; // the pool goes unreported; the server runs as it would without us
        }
    }

    static byte[] inject(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        // No branches or locals are added, so the stack map frames stay valid: only the maximum stack is recomputed.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                return !name.equals("<init>") ? mv : new MethodVisitor(Opcodes.ASM9, mv) {
                    @Override
                    public void visitInsn(int opcode) {
                        if (opcode == Opcodes.RETURN) {
                            callFound(this);
                        }
                        super.visitInsn(opcode);
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }

    /** {@code ClassLoader.getSystemClassLoader().loadClass("…Pools").getMethod("found", Object.class).invoke(null, this);} */
    private static void callFound(MethodVisitor mv) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/ClassLoader", "getSystemClassLoader", "()Ljava/lang/ClassLoader;", false);
        mv.visitLdcInsn(Pools.class.getName());
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/ClassLoader", "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;", false);
        mv.visitLdcInsn("found");
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Class");
        mv.visitInsn(Opcodes.DUP);
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitLdcInsn(Type.getType(Object.class));
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getMethod", "(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;", false);
        mv.visitInsn(Opcodes.ACONST_NULL);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
        mv.visitInsn(Opcodes.DUP);
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/reflect/Method", "invoke", "(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;", false);
        mv.visitInsn(Opcodes.POP);
    }
}
