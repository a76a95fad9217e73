package dev.cluster.agent;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.util.List;
import java.util.function.Consumer;

/**
 * How the agent puts a call to one of its own classes into code whose class loader cannot see them
 * (java.base, Netty's, a server's: Spring Boot's, a webapp's): straight-line bytecode that names only
 * java.base, {@code ClassLoader.getSystemClassLoader().loadClass(owner).getMethod(method, types)
 * .invoke(null, args)}, the system class loader being where {@code -javaagent} put this jar. The
 * calls go where they are rare (a bind, a pool built), so reflection costs nothing that matters; the
 * methods called never throw.
 */
public final class StaticCall {
    private StaticCall() {
    }

    /** For one method of the class: a visitor that adds the calls, or {@code mv} itself to leave it as it is. */
    public interface MethodRewrite {
        MethodVisitor apply(String name, String descriptor, MethodVisitor mv);
    }

    /** The class with the methods {@code rewrite} picks rewritten. */
    public static byte[] rewrite(byte[] bytes, MethodRewrite rewrite) {
        ClassReader reader = new ClassReader(bytes);
        // No branches or locals are added, so the existing stack map frames stay valid: only the maximum stack is recomputed.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return rewrite.apply(name, descriptor, super.visitMethod(access, name, descriptor, signature, exceptions));
            }
        }, 0);
        return writer.toByteArray();
    }

    /**
     * Emits the call of {@code owner.method(parameterTypes...)} (public, static; its result
     * discarded); each of {@code arguments} pushes one argument, boxed if primitive.
     */
    public static void emit(MethodVisitor mv, Class<?> owner, String method, List<Class<?>> parameterTypes, List<Consumer<MethodVisitor>> arguments) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/ClassLoader", "getSystemClassLoader", "()Ljava/lang/ClassLoader;", false);
        mv.visitLdcInsn(owner.getName());
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/ClassLoader", "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;", false);
        mv.visitLdcInsn(method);
        pushInt(mv, parameterTypes.size());
        mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Class");
        for (int i = 0; i < parameterTypes.size(); i++) {
            mv.visitInsn(Opcodes.DUP);
            pushInt(mv, i);
            if (parameterTypes.get(i) == int.class) {
                mv.visitFieldInsn(Opcodes.GETSTATIC, "java/lang/Integer", "TYPE", "Ljava/lang/Class;");
            } else {
                mv.visitLdcInsn(Type.getType(parameterTypes.get(i)));
            }
            mv.visitInsn(Opcodes.AASTORE);
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getMethod", "(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;", false);
        mv.visitInsn(Opcodes.ACONST_NULL);
        pushInt(mv, arguments.size());
        mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
        for (int i = 0; i < arguments.size(); i++) {
            mv.visitInsn(Opcodes.DUP);
            pushInt(mv, i);
            arguments.get(i).accept(mv);
            mv.visitInsn(Opcodes.AASTORE);
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/reflect/Method", "invoke", "(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;", false);
        mv.visitInsn(Opcodes.POP);
    }

    /** Arrays of at most 5 here: ICONST_0..5. */
    private static void pushInt(MethodVisitor mv, int value) {
        if (value > 5) {
            throw new IllegalArgumentException("at most 5 arguments: " + value);
        }
        mv.visitInsn(Opcodes.ICONST_0 + value);
    }
}
