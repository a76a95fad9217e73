package dev.cluster.agent.bind;

import dev.cluster.agent.StaticCall;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

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
 * The call is a {@link StaticCall}: java.base cannot see the agent's classes, nor can Netty's class loader.
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
        return StaticCall.rewrite(bytes, (name, descriptor, mv) -> {
            List<Injection> here = injections.stream().filter(i -> i.method().equals(name) && i.descriptor().equals(descriptor)).toList();
            return here.isEmpty() ? mv : new Injector(mv, here);
        });
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

        /** {@code PortBinds.on(event, a, b, port)}, as a {@link StaticCall}. */
        private void call(Injection i) {
            StaticCall.emit(this, PortBinds.class, "on", List.of(String.class, Object.class, Object.class, int.class), List.of(
                    mv -> mv.visitLdcInsn(i.event()),
                    mv -> mv.visitVarInsn(Opcodes.ALOAD, i.objectA()),
                    mv -> mv.visitVarInsn(Opcodes.ALOAD, i.objectB()),
                    mv -> {
                        if (i.portLocal() < 0) {
                            mv.visitInsn(Opcodes.ICONST_0);
                        } else {
                            mv.visitVarInsn(Opcodes.ILOAD, i.portLocal());
                        }
                        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "valueOf", "(I)Ljava/lang/Integer;", false);
                    }));
        }
    }
}
