package dev.cluster.agent;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class LoopTransformerTest {
    private final LoopTransformer transformer = new LoopTransformer();

    /** Netty 4.2's loop (what every 4.2 group's children are) and 4.1's kind (DefaultEventLoop is one in both). */
    @Test
    void aLoopsRunStartsWithTheCallThatWatchesIt() throws IOException {
        for (String loop : List.of("io/netty/channel/SingleThreadIoEventLoop", "io/netty/channel/DefaultEventLoop")) {
            byte[] injected = transformer.transform(null, loop, null, null, bytes(loop));
            assertNotNull(injected, loop);
            assertEquals(List.of("java/lang/ClassLoader.getSystemClassLoader", "java/lang/ClassLoader.loadClass"), firstCalls(injected, "run", 2), loop);
        }
    }

    /** Shaped like XNIO's I/O thread (not on this test's class path): a Thread whose run() is its selector loop. */
    static final class IoThread extends Thread {
        @Override
        public void run() {
            Thread.onSpinWait();
        }
    }

    @Test
    void xniosIoThreadIsPickedByItsNameAndItsRunStartsWithTheCall() throws IOException {
        byte[] injected = transformer.transform(null, LoopTransformer.XNIO_THREAD, null, null, bytes(IoThread.class.getName().replace('.', '/')));
        assertNotNull(injected);
        assertEquals(List.of("java/lang/ClassLoader.getSystemClassLoader", "java/lang/ClassLoader.loadClass"), firstCalls(injected, "run", 2));
        assertNull(transformer.transform(null, "org/xnio/nio/NioXnioWorker", null, null, bytes(IoThread.class.getName().replace('.', '/'))),
                "another XNIO class");
    }

    /** A class of that name and superclass with an empty {@code run()}, as a shaded jar would hold it. */
    private static byte[] loopClass(String name, String superName) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, name, null, superName, null);
        MethodVisitor run = writer.visitMethod(Opcodes.ACC_PUBLIC, "run", "()V", null, null);
        run.visitCode();
        run.visitInsn(Opcodes.RETURN);
        run.visitMaxs(0, 0);
        run.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    /** gRPC's Netty, shaded under io/grpc/netty/shaded: the same loops under a prefix. */
    @Test
    void aShadedNettysLoopsAreFoundUnderTheirPrefix() {
        String shaded = "io/grpc/netty/shaded/";
        byte[] loop = loopClass(shaded + "io/netty/channel/nio/NioEventLoop", shaded + LoopTransformer.LOOP);
        byte[] injected = transformer.transform(null, shaded + "io/netty/channel/nio/NioEventLoop", null, null, loop);
        assertNotNull(injected);
        assertEquals(List.of("java/lang/ClassLoader.getSystemClassLoader", "java/lang/ClassLoader.loadClass"), firstCalls(injected, "run", 2));
        assertNull(transformer.transform(null, shaded + LoopTransformer.OIO_LOOP, null, null,
                loopClass(shaded + LoopTransformer.OIO_LOOP, shaded + LoopTransformer.LOOP)), "the OIO loop, shaded too");
        assertNull(transformer.transform(null, shaded + "io/netty/channel/Other", null, null,
                loopClass(shaded + "io/netty/channel/Other", LoopTransformer.LOOP)), "a subclass of another copy's loop is not this copy's loop");
    }

    @Test
    void everyOtherClassIsLeftAsItIs() throws IOException {
        // The loops' own superclass (its run() is abstract), a Netty class of another kind, and a class outside Netty.
        for (String other : List.of("io/netty/channel/SingleThreadEventLoop", "io/netty/channel/DefaultChannelPipeline", "java/lang/String")) {
            assertNull(transformer.transform(null, other, null, null, bytes(other)), other);
        }
        assertNull(transformer.transform(null, "io/netty/channel/Broken", null, null, new byte[] {1, 2, 3}), "a class it cannot read");
        // 4.1's OIO loop (not in this test's Netty 4.2): a loop's bytes under its name are left alone.
        String loop = "io/netty/channel/DefaultEventLoop";
        assertNull(transformer.transform(null, LoopTransformer.OIO_LOOP, null, null, bytes(loop)), "the OIO loop blocks in reads by design");
    }

    private static byte[] bytes(String className) throws IOException {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(className + ".class")) {
            return in.readAllBytes();
        }
    }

    /** The first {@code n} methods called in {@code method}, as owner.name. */
    private static List<String> firstCalls(byte[] bytes, String method, int n) {
        List<String> calls = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return !name.equals(method) || !descriptor.equals("()V") ? null : new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String called, String desc, boolean isInterface) {
                        if (calls.size() < n) {
                            calls.add(owner + "." + called);
                        }
                    }
                };
            }
        }, 0);
        return calls;
    }
}
