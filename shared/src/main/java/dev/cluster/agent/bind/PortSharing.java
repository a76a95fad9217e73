package dev.cluster.agent.bind;

import dev.cluster.sockets.NativeSockets;

import java.io.FileDescriptor;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.net.SocketOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Turns on port sharing and listener handoff in an unmodified app (see {@link PortBinds}): opens the
 * JDK's socket internals to the agent, loads the native library if the supervisor named one, and
 * instruments the bind methods, those the JDK has loaded already included.
 */
public final class PortSharing {
    /** How the app's binds of its port are handled, as the agent tells the supervisor. */
    public enum Mode {
        /** Each bind of the port gets the slot's socket from the supervisor. */
        HANDOFF,
        /** Each bind of the port gets SO_REUSEPORT: every worker binds its own socket. */
        SHARE,
        /** Not instrumented: the app binds as it would alone. */
        OFF
    }

    /** The mode, and why it is not handoff when it is not. */
    public record Status(Mode mode, String why) {
    }

    private PortSharing() {
    }

    /** Whether a class of the app's, of this internal name, is one whose bind this instruments (Netty's native socket). */
    public static boolean instrumentsAppClass(String className) {
        return BindTransformer.isNettySocket(className);
    }

    /**
     * @param port          the app's port, from {@code PORT}
     * @param sharedPort    its second port to share, from {@code CLUSTER_SHARED_PORT}, or 0
     * @param workerSocket  the supervisor's worker socket
     * @param nativeLibrary the agent's native library, or null without one (then: share only)
     * @param handoff       false for {@code --bind self}
     */
    public static Status install(Instrumentation instrumentation, int port, int sharedPort, Path workerSocket, Path nativeLibrary, boolean handoff) {
        // Registered before the JDK's classes are looked up: a class the JDK has not loaded yet (so far,
        // always) is instrumented as it loads, which saves retransforming it (the JVM rebuilding its
        // bytes, then redefining the class: ~10 ms of every start for sun.nio.ch.Net).
        BindTransformer transformer = new BindTransformer();
        instrumentation.addTransformer(transformer, true);
        Class<?> net;
        Class<?> netHooks;
        Method setSocketOption;
        try {
            Module javaBase = Object.class.getModule();
            instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("sun.nio.ch", Set.of(PortSharing.class.getModule())),
                    Set.of(), Map.of());
            net = Class.forName("sun.nio.ch.Net");
            netHooks = Class.forName("sun.net.NetHooks");
            setSocketOption = net.getDeclaredMethod("setSocketOption", FileDescriptor.class, SocketOption.class, Object.class);
            setSocketOption.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            instrumentation.removeTransformer(transformer);
            return new Status(Mode.OFF, "this JDK's socket internals are not as expected: " + e);
        }
        String why = null;
        if (!handoff) {
            why = "--bind self";
        } else if (nativeLibrary == null) {
            why = "the agent has no native library (built without a C compiler)";
        } else {
            try {
                NativeSockets.load(nativeLibrary);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                why = "cannot load " + nativeLibrary + ": " + e.getMessage();
            }
        }
        boolean adopting = why == null;
        PortBinds.configure(new PortBinds.Config(port, sharedPort, workerSocket, adopting, setSocketOption));
        try {
            if (!transformer.instrumented(BindTransformer.NET_HOOKS)) { // loaded before this agent ran
                instrumentation.retransformClasses(netHooks);
            }
            if (!transformer.instrumented(BindTransformer.NET)) {
                instrumentation.retransformClasses(net);
            }
        } catch (Exception | LinkageError e) {
            instrumentation.removeTransformer(transformer);
            PortBinds.configure(null);
            return new Status(Mode.OFF, "cannot instrument the JDK's bind: " + e);
        }
        if (transformer.failure != null) {
            instrumentation.removeTransformer(transformer);
            PortBinds.configure(null);
            return new Status(Mode.OFF, "cannot instrument the JDK's bind: " + transformer.failure);
        }
        return adopting ? new Status(Mode.HANDOFF, null) : new Status(Mode.SHARE, why);
    }
}
