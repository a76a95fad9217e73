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

    /**
     * @param port          the app's port, from {@code PORT}
     * @param workerSocket  the supervisor's worker socket
     * @param nativeLibrary the agent's native library, or null without one (then: share only)
     * @param handoff       false for {@code --bind self}
     */
    public static Status install(Instrumentation instrumentation, int port, Path workerSocket, Path nativeLibrary, boolean handoff) {
        Method setSocketOption;
        try {
            Module javaBase = Object.class.getModule();
            instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("sun.nio.ch", Set.of(PortSharing.class.getModule())),
                    Set.of(), Map.of());
            setSocketOption = Class.forName("sun.nio.ch.Net").getDeclaredMethod("setSocketOption", FileDescriptor.class, SocketOption.class, Object.class);
            setSocketOption.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
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
        PortBinds.configure(new PortBinds.Config(port, workerSocket, adopting, setSocketOption));
        BindTransformer transformer = new BindTransformer();
        instrumentation.addTransformer(transformer, true);
        try {
            instrumentation.retransformClasses(Class.forName("sun.net.NetHooks"), Class.forName("sun.nio.ch.Net"));
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
