package dev.cluster.agent;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.List;

/**
 * Puts {@code AppLoops.started(this)} at the start of the {@code run()} of every Netty event loop class (a direct
 * subclass of {@code io.netty.channel.SingleThreadEventLoop}: Netty 4.1's NioEventLoop, EpollEventLoop, KQueueEventLoop,
 * DefaultEventLoop; 4.2's SingleThreadIoEventLoop) and of XNIO's I/O thread (Undertow's, {@code org.xnio.nio.WorkerThread},
 * a {@code Thread} whose {@code run()} is its selector loop), a {@link StaticCall} like the pools'. {@code run()} is what
 * the loop's thread runs for its whole life, so the call comes once per loop, on that thread, as it starts. Not 4.1's
 * ThreadPerChannelEventLoop (the deprecated OIO transport): its thread blocks in a socket read by design, up to a second
 * at a time, and every read would be reported as a stall. A Netty shaded into another package (gRPC's
 * {@code io.grpc.netty.shaded.io.netty}) is the same classes under a prefix, found as such.
 */
final class LoopTransformer implements ClassFileTransformer {
    static final String LOOP = "io/netty/channel/SingleThreadEventLoop";
    static final String OIO_LOOP = "io/netty/channel/ThreadPerChannelEventLoop";
    static final String XNIO_THREAD = "org/xnio/nio/WorkerThread";
    private static final String NETTY_CHANNEL = "io/netty/channel/";

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        try {
            // A name test first: the class header of every other class loaded is not read.
            if (className == null || !XNIO_THREAD.equals(className) && !className.contains(NETTY_CHANNEL)) {
                return null;
            }
            return isLoop(className, new ClassReader(bytes).getSuperName()) ? inject(bytes) : null;
        } catch (Throwable e) {
            return null; // its loops go unwatched; the app runs as it would without us
        }
    }

    /** Whether the class of this internal name, a direct subclass of {@code superName}, is a loop this watches. */
    static boolean isLoop(String className, String superName) {
        if (XNIO_THREAD.equals(className)) {
            return true;
        }
        int netty = className.indexOf(NETTY_CHANNEL);
        return netty >= 0 && !className.endsWith(OIO_LOOP) && (className.substring(0, netty) + LOOP).equals(superName);
    }

    static byte[] inject(byte[] bytes) {
        return StaticCall.rewrite(bytes, (name, descriptor, mv) -> !name.equals("run") || !descriptor.equals("()V") ? mv : new MethodVisitor(Opcodes.ASM9, mv) {
            @Override
            public void visitCode() {
                super.visitCode();
                StaticCall.emit(this, AppLoops.class, "started", List.of(Object.class), List.of(m -> m.visitVarInsn(Opcodes.ALOAD, 0)));
            }
        });
    }
}
