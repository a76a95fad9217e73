package dev.cluster.reload;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The listening sockets the supervisor holds per worker slot (app, worker id), in handoff mode.
 * Each is bound with SO_REUSEPORT and listening, but the supervisor never accepts on it: it hands
 * copies of the file descriptors to whichever worker serves the slot. Because the supervisor's copy
 * stays open while that worker crashes, restarts or is replaced, connections that queue meanwhile
 * wait for the next worker instead of being reset (which is what closing one of several
 * SO_REUSEPORT listeners does on Linux unless net.ipv4.tcp_migrate_req=1).
 *
 * <p>A slot usually holds one socket, bound for it. Scaling down moves a leaving slot's socket to a
 * remaining slot instead of closing it (closing would reset its queue); scaling up again takes it back.
 */
public final class SlotListeners {
    private static final Logger log = LoggerFactory.getLogger(SlotListeners.class);
    private static final int BACKLOG = 4096;

    private record Slot(String app, int id) {
    }

    /** A socket, and the slot it was bound for. */
    private record Held(int boundFor, Socket socket) {
    }

    private final Map<Slot, List<Held>> slots = new HashMap<>();

    /**
     * The slot's listening sockets, its own first, bound on first use; the caller sends copies and
     * never closes them.
     */
    public int[] fds(String app, int id, String host, int port) throws IOException {
        List<Held> held = slots.computeIfAbsent(new Slot(app, id), s -> new ArrayList<>());
        if (held.stream().noneMatch(h -> h.boundFor() == id) && !reclaim(app, id, held)) {
            held.add(0, new Held(id, bind(app, id, host, port)));
        }
        return held.stream().mapToInt(h -> h.socket().intValue()).toArray();
    }

    /** Whether the slot holds any socket, i.e. its workers take their listeners from us. */
    public boolean isOpen(String app, int id) {
        List<Held> held = slots.get(new Slot(app, id));
        return held != null && !held.isEmpty();
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
        List<Held> held = slots.remove(new Slot(app, id));
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

    private static Socket bind(String app, int id, String host, int port) throws IOException {
        Epoll.ensureAvailability();
        Socket socket = Socket.newSocketStream();
        try {
            socket.setReusePort(true);
            socket.bind(new InetSocketAddress(host, port));
            socket.listen(BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on " + host + ":" + port + " for " + app + ":" + id + ": " + e.getMessage(), e);
        }
        log.info("{}:{} listening socket bound on {}:{} (held by the supervisor)", app, id, host, port);
        return socket;
    }
}
