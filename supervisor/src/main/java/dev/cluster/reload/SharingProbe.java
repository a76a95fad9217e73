package dev.cluster.reload;

import dev.cluster.protocol.AppSpec;
import dev.cluster.worker.App;
import dev.cluster.worker.LibraryJar;
import dev.cluster.worker.Attempt;
import dev.cluster.worker.PortListeners;
import dev.cluster.worker.Slot;
import dev.cluster.worker.SlotState;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether a second worker of an app could bind where its running workers listen: for each of their
 * listeners, a socket with SO_REUSEPORT is bound beside it (and closed at once: it never listens,
 * so no connection is ever routed to it). The kernel refuses that bind when the listener did not
 * set SO_REUSEPORT itself (or belongs to another user), which is exactly what a second worker meets.
 */
public final class SharingProbe {
    private static final Logger log = LoggerFactory.getLogger(SharingProbe.class);
    /** Linux's EADDRINUSE, as Netty reports a failed native call (its negative errno). */
    private static final int EADDRINUSE_NEGATIVE = -98;

    private SharingProbe() {
    }

    /** A process that holds a port alone, and what to tell the user. */
    public record NotShared(long pid, String reason) {
    }

    /**
     * A slot that came online, or exited saying its address was taken (at its start, or after it came
     * online: a port an app binds once its main one answers), is where an app that cannot share a port
     * shows it: then the app's other workers are stopped (not restarted for ever), and the app
     * remembers why, for {@code start}'s answer.
     */
    public static void afterChange(Slot slot, SlotState state) {
        App app = slot.app();
        if (state == SlotState.EXITED && slot.lastExitSaidAddressInUse()) {
            // Held alone by another worker's serving process, the port would be taken at every restart. Held by a process on its
            // way out (a reload's old worker, still holding a port the app binds once it serves), it is free soon: restarted.
            check(app, app.slots().stream().filter(s -> s != slot).map(Slot::serving).filter(Objects::nonNull))
                    .ifPresent(notShared -> stopTheOthers(app, notShared));
            return;
        }
        if (app.portNotShared() != null || state != SlotState.ONLINE) {
            return;
        }
        if (slot.serving() != null && slot.serving().wasStandby()) {
            // A standby started beside the serving workers of its version, which were checked as they came online. The check
            // reads the listeners and each process's descriptors on the loop, processor taken from the standby's first requests
            // (5-30 ms on a 2-core VM when the listeners came from /proc/net/tcp).
            return;
        }
        check(app).ifPresent(notShared -> stopTheOthers(app, notShared));
    }

    /** Every worker of the app that is not online, and does not hold the port, is stopped with the reason, which the app keeps. */
    private static void stopTheOthers(App app, NotShared notShared) {
        if (app.portNotShared() == null) {
            app.portNotShared(notShared.reason());
            log.warn(notShared.reason());
        }
        app.slots().stream().filter(s -> s.state() != SlotState.ONLINE && s.state() != SlotState.STOPPED
                && (s.pid() == null || s.pid() != notShared.pid())).forEach(s -> s.stop(notShared.reason()));
    }

    /**
     * The first of the app's processes found holding a port alone, with the fix that fits how the app
     * is started. A port the kernel chose (a bind of port 0) is every worker's own, so it is not looked at.
     */
    public static Optional<NotShared> check(App app) {
        return check(app, app.attempts());
    }

    private static Optional<NotShared> check(App app, Stream<Attempt> attempts) {
        AppSpec spec = app.spec();
        List<PortListeners.Listener> all = PortListeners.listening();
        for (Attempt attempt : attempts.toList()) {
            Optional<PortListeners.Listener> alone = PortListeners.heldBy(attempt.pid(), all).stream()
                    .filter(l -> l.port() == spec.port() || !PortListeners.ephemeral(l.port())).filter(l -> !canJoin(l)).findFirst();
            if (alone.isPresent()) {
                int port = alone.get().port();
                boolean shared = port == spec.port() || port == spec.sharedPort(); // by the agent, when it could
                // Another port than those: the app's own port (it ignores $PORT), or a second one beside it. Which, the probe
                // cannot tell: a JVM's JMX port is bound before the app's main one, so "it also listens on --port" comes too late.
                String fix = spec.jar() == null ? ", or start it as a jar so the agent can share the port"
                        : !spec.agent() ? ", or start it without --no-agent so the agent can share the port"
                        : shared ? ", or the agent could not share it: see 'cluster logs " + app.name() + " --err'" : "";
                return Optional.of(new NotShared(attempt.pid(), "app '" + app.name() + "' binds port " + port + " without SO_REUSEPORT, so only one worker "
                        + "can serve it: use -i 1" + fix + (shared ? "" : "; the agent shares only --port " + spec.port() + ": if " + port
                        + " is the app's own port, set --port " + port + "; if it is a second one (a management or JMX port), "
                        + (spec.jar() != null && LibraryJar.is(spec.jar()) ? "give each worker a port of its own for it, or none"
                        : "add --shared-port " + port + " to share it too, or turn it off"))));
            }
        }
        return Optional.empty();
    }

    private static boolean canJoin(PortListeners.Listener listener) {
        LinuxSocket probe = LinuxSocket.newSocketStream(listener.ipv6());
        try {
            probe.setReusePort(true);
            probe.bind(new InetSocketAddress(listener.address(), listener.port()));
            return true;
        } catch (Errors.NativeIoException e) {
            return e.expectedErr() != EADDRINUSE_NEGATIVE;
        } catch (IOException e) {
            return true; // no verdict: only "address in use" says the port is not shared
        } finally {
            try {
                probe.close();
            } catch (IOException ignored) {
                // a probe that cannot be closed leaks one unbound descriptor
            }
        }
    }
}
