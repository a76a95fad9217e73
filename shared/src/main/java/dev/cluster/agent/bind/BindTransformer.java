package dev.cluster.agent.bind;

import dev.cluster.agent.StaticCall;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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
    private final Set<String> instrumented = ConcurrentHashMap.newKeySet();

    /** Whether the class of that internal name has been through this transformer with success. */
    boolean instrumented(String className) {
        return instrumented.contains(className);
    }

    /** Netty's native socket, whose bind the JDK never sees; in a relocated copy of Netty too. */
    static boolean isNettySocket(String className) {
        return className.endsWith(NETTY_SOCKET_SUFFIX);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (className == null) {
            return null;
        }
        List<Injection> injections = className.equals(NET_HOOKS) ? JDK_NET_HOOKS
                : className.equals(NET) ? JDK_NET
                : isNettySocket(className) ? NETTY
                : null;
        if (injections == null) {
            return null;
        }
        try {
            byte[] injected = inject(bytes, injections);
            instrumented.add(className);
            return injected;
        } catch (Throwable e) {
            failure = e;
            return null;
        }
    }

    /**
     * No streams or lambdas here and in {@link Injector}: this runs before the app's main on every
     * start, interpreted, where each lambda's first linkage (a class spun at run time) costs ~1 ms.
     */
    private static byte[] inject(byte[] bytes, List<Injection> injections) {
        return StaticCall.rewrite(bytes, new StaticCall.MethodRewrite() {
            @Override
            public MethodVisitor apply(String name, String descriptor, MethodVisitor mv) {
                List<Injection> here = new ArrayList<>();
                for (Injection i : injections) {
                    if (i.method().equals(name) && i.descriptor().equals(descriptor)) {
                        here.add(i);
                    }
                }
                return here.isEmpty() ? mv : new Injector(mv, here);
            }
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
            callAll(false);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.RETURN) {
                callAll(true);
            }
            super.visitInsn(opcode);
        }

        private void callAll(boolean atExit) {
            for (Injection i : injections) {
                if (i.atExit() == atExit) {
                    call(i);
                }
            }
        }

        /** {@code PortBinds.on(event, a, b, port)}, as a {@link StaticCall}. */
        private void call(Injection i) {
            StaticCall.emit(this, PortBinds.class, "on", List.of(String.class, Object.class, Object.class, int.class), List.of(
                    new Push(i.event(), 0, false), new Push(null, i.objectA(), false), new Push(null, i.objectB(), false),
                    new Push(null, i.portLocal(), true)));
        }
    }

    /**
     * One argument of the call, pushed on the stack: a string constant, a local's object, or the port
     * (an int local, or 0 when {@code local} is negative) boxed. A class rather than lambdas: see {@link #inject}.
     */
    private record Push(String constant, int local, boolean port) implements Consumer<MethodVisitor> {
        @Override
        public void accept(MethodVisitor mv) {
            if (constant != null) {
                mv.visitLdcInsn(constant);
            } else if (!port) {
                mv.visitVarInsn(Opcodes.ALOAD, local);
            } else {
                if (local < 0) {
                    mv.visitInsn(Opcodes.ICONST_0);
                } else {
                    mv.visitVarInsn(Opcodes.ILOAD, local);
                }
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "valueOf", "(I)Ljava/lang/Integer;", false);
            }
        }
    }
}
