package dev.cluster.reload;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The listening sockets the supervisor holds, one per worker slot (app, worker id), in handoff mode.
 * Each is bound with SO_REUSEPORT and listening, but the supervisor never accepts on it: it hands a
 * copy of the file descriptor to whichever worker serves the slot. Because the supervisor's copy
 * stays open while that worker crashes, restarts or is replaced, connections that queue meanwhile
 * wait for the next worker instead of being reset (which is what closing one of several
 * SO_REUSEPORT listeners does on Linux unless net.ipv4.tcp_migrate_req=1).
 */
public final class SlotListeners {
    private static final Logger log = LoggerFactory.getLogger(SlotListeners.class);
    private static final int BACKLOG = 4096;

    private record Slot(String app, int id) {
    }

    private final Map<Slot, Socket> sockets = new HashMap<>();

    /** The slot's listening socket, bound on first use; the caller sends a copy, never closes it. */
    public int fd(String app, int id, String host, int port) throws IOException {
        Slot slot = new Slot(app, id);
        Socket socket = sockets.get(slot);
        if (socket == null) {
            Epoll.ensureAvailability();
            socket = Socket.newSocketStream();
            try {
                socket.setReusePort(true);
                socket.bind(new InetSocketAddress(host, port));
                socket.listen(BACKLOG);
            } catch (IOException e) {
                socket.close();
                throw new IOException("cannot listen on " + host + ":" + port + " for " + app + ":" + id + ": " + e.getMessage(), e);
            }
            sockets.put(slot, socket);
            log.info("{}:{} listening socket bound on {}:{} (held by the supervisor)", app, id, host, port);
        }
        return socket.intValue();
    }

    /** Closes the slot's socket: its worker is stopped, errored or gone, so nobody will accept. */
    public void close(String app, int id) {
        Socket socket = sockets.remove(new Slot(app, id));
        if (socket != null) {
            try {
                socket.close();
                log.info("{}:{} listening socket closed", app, id);
            } catch (IOException e) {
                log.warn("{}:{} closing the listening socket: {}", app, id, e.getMessage());
            }
        }
    }

    public boolean isOpen(String app, int id) {
        return sockets.containsKey(new Slot(app, id));
    }
}
