package dev.cluster.reload;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The listening sockets the supervisor holds per worker slot (app, worker id), in handoff mode.
 * Each is bound with SO_REUSEPORT and listening, but the supervisor never accepts on it: it hands
 * copies of the file descriptors to whichever worker serves the slot. Because the supervisor's copy
 * stays open while that worker crashes, restarts or is replaced, connections that queue meanwhile
 * wait for the next worker instead of being reset (which is what closing one of several
 * SO_REUSEPORT listeners does on Linux unless net.ipv4.tcp_migrate_req=1).
 *
 * <p>A slot usually holds one socket, bound for it. Scaling down moves a leaving slot's socket to a
 * remaining slot instead of closing it (closing would reset its queue); scaling up again takes it
 * back. That needs workers that serve every socket they are given (the library's
 * {@code inheritListeners}); an unmodified app's worker takes exactly one (the agent puts it in place
 * of the socket the app bound), so such a slot's socket is never passed on.
 */
public final class SlotListeners {
    private static final Logger log = LoggerFactory.getLogger(SlotListeners.class);
    private static final int BACKLOG = 4096;

    private record Slot(String app, int id) {
    }

    /** A socket, the slot it was bound for, and what it is bound to. */
    private record Held(int boundFor, Socket socket, InetAddress address, boolean ipv6) {
    }

    private final Map<Slot, List<Held>> slots = new HashMap<>();
    /** Slots whose workers take one socket each: the agent's, for unmodified apps. */
    private final Set<Slot> takingOne = new HashSet<>();

    /**
     * The slot's listening sockets, its own first, bound on first use; the caller sends copies and
     * never closes them. {@code ipv6} is the family the worker's own socket has (null: the machine's
     * preference); {@code one}: the worker takes exactly one socket, the slot's own.
     *
     * @throws IOException when the port cannot be bound, or the slot's socket is bound to another
     *                     address than asked (the worker then keeps the socket it bound itself)
     */
    public int[] fds(String app, int id, String host, int port, Boolean ipv6, boolean one) throws IOException {
        Slot slot = new Slot(app, id);
        InetAddress address = InetAddress.getByName(host);
        boolean family = ipv6 != null ? ipv6 : Socket.isIPv6Preferred();
        List<Held> held = slots.computeIfAbsent(slot, s -> new ArrayList<>());
        if (held.stream().noneMatch(h -> h.boundFor() == id) && !reclaim(app, id, held)) {
            held.add(0, new Held(id, bind(app, id, address, port, family), address, family));
        }
        Held own = held.stream().filter(h -> h.boundFor() == id).findFirst().orElseThrow();
        if (!own.address().equals(address) || ipv6 != null && own.ipv6() != ipv6) {
            throw new IOException("its socket is bound on " + describe(own.address(), own.ipv6()) + ", the worker bound "
                    + describe(address, family) + " (restart the app to move it)");
        }
        if (one) {
            takingOne.add(slot);
            return new int[] {own.socket().intValue()};
        }
        return held.stream().mapToInt(h -> h.socket().intValue()).toArray();
    }

    /** Whether the slot holds any socket, i.e. its workers take their listeners from us. */
    public boolean isOpen(String app, int id) {
        List<Held> held = slots.get(new Slot(app, id));
        return held != null && !held.isEmpty();
    }

    /** Whether the slot's socket can be passed to another slot: its workers serve every socket they are given. */
    public boolean canBequeath(String app, int id) {
        return isOpen(app, id) && !takingOne.contains(new Slot(app, id));
    }

    /** Moves every socket of slot {@code from} to slot {@code to}, whose next worker will serve them. */
    public void bequeath(String app, int from, int to) {
        List<Held> moving = slots.remove(new Slot(app, from));
        if (moving != null) {
            slots.computeIfAbsent(new Slot(app, to), s -> new ArrayList<>()).addAll(moving);
            log.info("{}:{} listening socket(s) passed to slot {}", app, from, to);
        }
    }

    /** Closes the slot's sockets: its worker is stopped, errored or gone, so nobody will accept. */
    public void close(String app, int id) {
        Slot slot = new Slot(app, id);
        takingOne.remove(slot);
        List<Held> held = slots.remove(slot);
        if (held == null) {
            return;
        }
        for (Held h : held) {
            try {
                h.socket().close();
                log.info("{}:{} listening socket (bound for {}) closed", app, id, h.boundFor());
            } catch (IOException e) {
                log.warn("{}:{} closing a listening socket: {}", app, id, e.getMessage());
            }
        }
    }

    /** Takes back the socket bound for this slot from the slot it was passed to when scaling down. */
    private boolean reclaim(String app, int id, List<Held> into) {
        for (Map.Entry<Slot, List<Held>> e : slots.entrySet()) {
            if (e.getKey().app().equals(app) && e.getKey().id() != id) {
                for (Held h : e.getValue()) {
                    if (h.boundFor() == id) {
                        e.getValue().remove(h);
                        into.add(0, h);
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String describe(InetAddress address, boolean ipv6) {
        return address.getHostAddress() + (ipv6 ? " (IPv6 socket)" : " (IPv4 socket)");
    }

    private static Socket bind(String app, int id, InetAddress address, int port, boolean ipv6) throws IOException {
        Epoll.ensureAvailability();
        Socket socket = LinuxSocket.newSocketStream(ipv6);
        try {
            socket.setReusePort(true);
            socket.bind(new InetSocketAddress(address, port));
            socket.listen(BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on " + address.getHostAddress() + ":" + port + " for " + app + ":" + id + ": " + e.getMessage(), e);
        }
        log.info("{}:{} listening socket bound on {}:{} ({}, held by the supervisor)", app, id, address.getHostAddress(), port,
                ipv6 ? "IPv6 socket" : "IPv4 socket");
        return socket;
    }
}
