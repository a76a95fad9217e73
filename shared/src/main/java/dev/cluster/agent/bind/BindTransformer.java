package dev.cluster.agent.bind;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.List;

/**
 * Puts a call to {@link PortBinds#on} into the three methods every JVM server's bind of a TCP port
 * goes through (the same signatures on JDK 17 to 25, and in Netty 4.1 and 4.2):
 * <ul>
 * <li>{@code sun.net.NetHooks.beforeTcpBind(FileDescriptor, InetAddress, int)}, at its start: the JDK
 *     calls it for TCP only, just before binding ({@code ServerSocketChannel}, {@code ServerSocket},
 *     {@code AsynchronousServerSocketChannel});</li>
 * <li>{@code sun.nio.ch.Net.bind(ProtocolFamily, FileDescriptor, InetAddress, int)}, at its end: the
 *     socket is bound, not yet listening;</li>
 * <li>{@code io.netty.channel.unix.Socket.bind(SocketAddress)} (also relocated copies, whose names
 *     end the same), at its start and end: Netty's native transports, which the JDK never sees.</li>
 * </ul>
 * The injected code is straight-line bytecode that names only java.base (java.base cannot see the
 * agent's classes, nor can Netty's class loader): it loads {@code PortBinds} from the system class
 * loader, where {@code -javaagent} put this jar, and invokes {@code on} reflectively. Binds are rare,
 * so reflection costs nothing that matters, and {@code on} never throws.
 */
final class BindTransformer implements ClassFileTransformer {
    static final String NET_HOOKS = "sun/net/NetHooks";
    static final String NET = "sun/nio/ch/Net";
    static final String NETTY_SOCKET_SUFFIX = "io/netty/channel/unix/Socket";

    /** One call to put into a method: where, which event, and how to load its two object arguments and port. */
    private record Injection(String method, String descriptor, boolean atExit, String event, int objectA, int objectB, int portLocal) {
    }

    private static final List<Injection> JDK_NET_HOOKS = List.of(
            new Injection("beforeTcpBind", "(Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)V", false, "tcp-bind", 0, 1, 2));
    private static final List<Injection> JDK_NET = List.of(
            new Injection("bind", "(Ljava/net/ProtocolFamily;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)V", true, "bound", 1, 2, 3));
    private static final List<Injection> NETTY = List.of(
            new Injection("bind", "(Ljava/net/SocketAddress;)V", false, "netty-bind", 0, 1, -1),
            new Injection("bind", "(Ljava/net/SocketAddress;)V", true, "netty-bound", 0, 1, -1));

    /** Set when a transformation failed, for the agent to report; the class is then left as it was. */
    volatile Throwable failure;

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (className == null) {
            return null;
        }
        List<Injection> injections = className.equals(NET_HOOKS) ? JDK_NET_HOOKS
                : className.equals(NET) ? JDK_NET
                : className.endsWith(NETTY_SOCKET_SUFFIX) ? NETTY
                : null;
        if (injections == null) {
            return null;
        }
        try {
            return inject(bytes, injections);
        } catch (Throwable e) {
            failure = e;
            return null;
        }
    }

    private static byte[] inject(byte[] bytes, List<Injection> injections) {
        ClassReader reader = new ClassReader(bytes);
        // No new branches or locals are added, so the existing stack map frames stay valid: only the maximum stack is recomputed.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                List<Injection> here = injections.stream().filter(i -> i.method().equals(name) && i.descriptor().equals(descriptor)).toList();
                return here.isEmpty() ? mv : new Injector(mv, here);
            }
        }, 0);
        return writer.toByteArray();
    }

    private static final class Injector extends MethodVisitor {
        private final List<Injection> injections;

        Injector(MethodVisitor mv, List<Injection> injections) {
            super(Opcodes.ASM9, mv);
            this.injections = injections;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            injections.stream().filter(i -> !i.atExit()).forEach(this::call);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.RETURN) {
                injections.stream().filter(Injection::atExit).forEach(this::call);
            }
            super.visitInsn(opcode);
        }

        /**
         * {@code ClassLoader.getSystemClassLoader().loadClass("…PortBinds").getMethod("on", String.class,
         * Object.class, Object.class, int.class).invoke(null, event, a, b, port);}
         */
        private void call(Injection i) {
            visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/ClassLoader", "getSystemClassLoader", "()Ljava/lang/ClassLoader;", false);
            visitLdcInsn(PortBinds.class.getName());
            visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/ClassLoader", "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;", false);
            visitLdcInsn("on");
            visitInsn(Opcodes.ICONST_4);
            visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Class");
            storeType(0, Type.getType(String.class));
            storeType(1, Type.getType(Object.class));
            storeType(2, Type.getType(Object.class));
            visitInsn(Opcodes.DUP);
            visitInsn(Opcodes.ICONST_3);
            visitFieldInsn(Opcodes.GETSTATIC, "java/lang/Integer", "TYPE", "Ljava/lang/Class;");
            visitInsn(Opcodes.AASTORE);
            visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getMethod",
                    "(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;", false);
            visitInsn(Opcodes.ACONST_NULL);
            visitInsn(Opcodes.ICONST_4);
            visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
            visitInsn(Opcodes.DUP);
            visitInsn(Opcodes.ICONST_0);
            visitLdcInsn(i.event());
            visitInsn(Opcodes.AASTORE);
            storeLocal(1, i.objectA());
            storeLocal(2, i.objectB());
            visitInsn(Opcodes.DUP);
            visitInsn(Opcodes.ICONST_3);
            if (i.portLocal() < 0) {
                visitInsn(Opcodes.ICONST_0);
            } else {
                visitVarInsn(Opcodes.ILOAD, i.portLocal());
            }
            visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "valueOf", "(I)Ljava/lang/Integer;", false);
            visitInsn(Opcodes.AASTORE);
            visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/reflect/Method", "invoke",
                    "(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;", false);
            visitInsn(Opcodes.POP);
        }

        private void storeType(int index, Type type) {
            visitInsn(Opcodes.DUP);
            visitInsn(Opcodes.ICONST_0 + index);
            visitLdcInsn(type);
            visitInsn(Opcodes.AASTORE);
        }

        private void storeLocal(int index, int local) {
            visitInsn(Opcodes.DUP);
            visitInsn(Opcodes.ICONST_0 + index);
            visitVarInsn(Opcodes.ALOAD, local);
            visitInsn(Opcodes.AASTORE);
        }
    }
}
