package dev.cluster.reload;

import dev.cluster.sockets.NativeSockets;
import dev.cluster.worker.Loop;
import dev.cluster.worker.PortListeners;
import dev.cluster.worker.Slot;
import dev.cluster.worker.SlotSockets;
import dev.cluster.worker.WorkerProcess;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The listening sockets the supervisor holds for one app's slots (handoff mode), and where the
 * kernel sends new connections among them.
 * <p>
 * Each slot's socket is bound with SO_REUSEPORT and listening; the supervisor never accepts on it
 * but hands copies to the slot's processes, and its own copy keeps the socket, and what is queued
 * on it, alive while a process crashes or is replaced. On Linux, closing one socket of a
 * SO_REUSEPORT group resets every connection still in its queue (unless net.ipv4.tcp_migrate_req=1),
 * so a socket is closed only once nothing can be queued on it:
 * <ul>
 * <li><b>Steering.</b> All the group's sockets are ours, so a classic BPF program attached to the
 *     group ({@link NativeSockets#steer}) decides where each new connection goes: only to sockets
 *     whose process is ready ("routed"). A crashed slot, a leaving slot, a reload's old socket get
 *     nothing new; once the accept queue of a socket that is leaving is empty, its process may go,
 *     and once every process handed a copy has exited, the socket is closed ({@link #leave}).
 *     The program names sockets by their index in the group (the order they started listening; a
 *     close moves the last one into the gap), which {@link #group} mirrors.</li>
 * <li><b>A reload</b> gives the replacement a socket of its own (unrouted until it is ready), so the
 *     old process can be steered away from and drained before it is asked to stop: no app's shutdown
 *     (Tomcat's, which destroys what it accepts while pausing) can lose a queued connection.</li>
 * <li>Without the native library (built without gcc), or when a socket that is not ours joins the
 *     group, there is no steering: a replacement shares the slot's socket, and a stopping slot's
 *     socket is closed before its process drains (what is queued in the process's copy meanwhile
 *     is reset when it closes).</li>
 * </ul>
 */
public final class ListeningSockets implements SlotSockets {
    private static final Logger log = LoggerFactory.getLogger(ListeningSockets.class);
    private static final int BACKLOG = 4096;
    /**
     * How long after steering away a socket may still get connections: a handshake the kernel began
     * on it before completes into its queue one round trip later.
     */
    static final long DRAIN_GRACE_MS = 200;
    private static final long DRAIN_POLL_MS = 10;
    /** A process that stopped accepting leaves its queue full: the drain does not wait longer than this. */
    static final long DRAIN_MAX_MS = 5_000;

    /** A socket, what it is bound to, whether new connections go to it, and the processes handed a copy. */
    private static final class Held {
        final Socket socket;
        final InetAddress address;
        final boolean ipv6;
        boolean routed;
        /** The exits of the processes handed a copy, which may hold it still: see {@link #leave}. */
        final List<CompletableFuture<Integer>> holders = new ArrayList<>();

        Held(Socket socket, InetAddress address, boolean ipv6) {
            this.socket = socket;
            this.address = address;
            this.ipv6 = ipv6;
        }

        int fd() {
            return socket.intValue();
        }
    }

    private final String app;
    private final int port;
    private final Loop loop;
    private final boolean canSteer;
    /** Every socket held, in the order of the kernel's SO_REUSEPORT group. */
    private final List<Held> group = new ArrayList<>();
    /** The socket each slot's processes take. */
    private final Map<Integer, Held> current = new HashMap<>();
    /** A reload's replacement's own socket, until it takes over. */
    private final Map<Integer, Held> next = new HashMap<>();
    /** The closes put off until the processes handed the socket have exited ({@link #leave}). */
    private final List<CompletableFuture<Void>> leaving = new ArrayList<>();
    private boolean foreignMembers;

    public ListeningSockets(String app, int port, Loop loop) {
        this.app = app;
        this.port = port;
        this.loop = loop;
        this.canSteer = NativeSockets.available();
    }

    /**
     * The socket for {@code holder}, a process of slot {@code id} that asks (the library, or the agent
     * of an unmodified app), bound on first use on {@code host} with the family of the app's own socket
     * ({@code ipv6}; null: the machine's preference). A reload's replacement gets a socket of its own
     * when the group can be steered. The caller sends a copy and never closes it; the socket stays
     * ours until {@code holder} has exited.
     *
     * @throws IOException when the port cannot be bound, or the slot's socket is bound elsewhere
     *                     than asked (the process then keeps the socket it bound itself)
     */
    public int fd(int id, boolean forReplacement, String host, Boolean ipv6, WorkerProcess holder) throws IOException {
        InetAddress address = InetAddress.getByName(host);
        boolean family = ipv6 != null ? ipv6 : Socket.isIPv6Preferred();
        Held own = current.get(id);
        if (own != null && (!own.address.equals(address) || ipv6 != null && own.ipv6 != ipv6)) {
            throw new IOException("its socket is bound on " + describe(own.address, own.ipv6) + ", the worker bound "
                    + describe(address, family) + " (restart the app to move it)");
        }
        if (own == null) {
            own = bind(id, address, family);
            current.put(id, own);
        } else if (forReplacement && canSteer && !foreignMembers) {
            own = next.get(id);
            if (own == null) {
                own = bind(id, address, family);
                next.put(id, own);
            }
        }
        own.holders.removeIf(CompletableFuture::isDone);
        if (!own.holders.contains(holder.exited())) {
            own.holders.add(holder.exited());
        }
        return own.fd();
    }

    @Override
    public int fd(int id, String host, Boolean ipv6, WorkerProcess holder) throws IOException {
        return fd(id, false, host, ipv6, holder);
    }

    @Override
    public void serving(Slot slot) {
        route(current.get(slot.id()), true);
    }

    @Override
    public void down(Slot slot) {
        route(current.get(slot.id()), false);
    }

    @Override
    public String whileDown(Slot slot) {
        if (current.get(slot.id()) == null) {
            return "its process's own socket (it did not take the supervisor's) still gets its share of new connections, which wait in its queue";
        }
        if (!steering()) {
            return "the kernel still gives its socket a share of new connections, which wait in its queue (this port cannot be steered: 'cluster doctor')";
        }
        if (group.stream().noneMatch(h -> h.routed)) {
            return "no other worker of the app serves: new connections wait in its queue";
        }
        return "new connections go to the app's other workers";
    }

    @Override
    public CompletableFuture<Void> promoted(Slot slot) {
        Held fresh = next.remove(slot.id());
        if (fresh == null) {
            return CompletableFuture.completedFuture(null); // the replacement shares the slot's socket
        }
        Held old = current.put(slot.id(), fresh);
        fresh.routed = true;
        if (old == null) {
            steer();
            return CompletableFuture.completedFuture(null);
        }
        old.routed = false;
        steer();
        leave(old); // once the old process has exited, after its drain
        return drained(old, slot.name());
    }

    @Override
    public CompletableFuture<Void> quiesce(Slot slot) {
        Held own = current.get(slot.id());
        if (own == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (!steering()) {
            // No steering: close our copy first, so the kernel stops routing to it once the process's copy closes.
            close(current.remove(slot.id()));
            return CompletableFuture.completedFuture(null);
        }
        boolean wasRouted = own.routed;
        route(own, false);
        // A socket nobody was accepting on (its process crashed) has nothing a drain could save.
        return wasRouted ? drained(own, slot.name()) : CompletableFuture.completedFuture(null);
    }

    @Override
    public void close(Slot slot) {
        leave(current.remove(slot.id()));
        leave(next.remove(slot.id()));
    }

    /**
     * A socket no slot takes any more is closed once every process handed a copy has exited: a crashed process handled
     * as its death watch fired (before its reap), a replacement killed with it, a reload's old process still draining.
     * Closed by us while a process still held its copy, it would stay in the port's group, held by that process alone,
     * in an order no longer the one mirrored here, and steering would be off for good ("another socket listens on port
     * …": seen in a fuzz). Where nothing is steered the order does not matter, and it is closed at once.
     */
    private void leave(Held held) {
        if (held == null) {
            return;
        }
        held.holders.removeIf(CompletableFuture::isDone);
        if (held.holders.isEmpty() || !steering()) {
            close(held);
            return;
        }
        route(held, false);
        leaving.removeIf(CompletableFuture::isDone);
        leaving.add(CompletableFuture.allOf(held.holders.toArray(CompletableFuture[]::new)).handleAsync((exited, failure) -> {
            close(held);
            return null;
        }, loop));
    }

    @Override
    public CompletableFuture<Void> released() {
        leaving.removeIf(CompletableFuture::isDone);
        return CompletableFuture.allOf(leaving.toArray(CompletableFuture[]::new));
    }

    /**
     * Routes to a socket of the group, or away from it. The group's membership need not be checked
     * again here, on a crash's path: a socket that joins the group goes to its end, so our indices
     * only move when one of ours closes, and every close checks.
     */
    private void route(Held held, boolean routed) {
        if (held != null && held.routed != routed) {
            held.routed = routed;
            if (steering()) {
                steerTo(IntStream.range(0, group.size()).filter(i -> group.get(i).routed).toArray());
            }
        }
    }

    /** Whether new connections go where {@link #group} says (the program is attached and the group is ours alone). */
    private boolean steering() {
        return canSteer && !foreignMembers && !group.isEmpty();
    }

    /**
     * Attaches the program for the routed sockets. If a socket that is not ours listens in the group
     * (its order would no longer be the one mirrored here), steering stops for good: a wrong index
     * would send connections to a socket nobody serves.
     */
    private void steer() {
        if (!canSteer || foreignMembers || group.isEmpty()) {
            return;
        }
        if (!groupIsOurs()) {
            foreignMembers = true;
            log.warn("{}: another socket listens on port {}: connections are no longer steered among the workers", app, port);
            steerTo(IntStream.range(0, group.size()).toArray());
            return;
        }
        steerTo(IntStream.range(0, group.size()).filter(i -> group.get(i).routed).toArray());
    }

    private void steerTo(int[] allowed) {
        try {
            NativeSockets.steer(group.get(0).fd(), allowed);
        } catch (IOException e) {
            log.warn("{}: cannot steer connections on port {}: {}", app, port, e.getMessage());
        }
    }

    /** Every socket listening on the port at our address is one we hold (a worker's copy of ours is the same socket). */
    private boolean groupIsOurs() {
        Set<String> ours = group.stream().map(h -> inode(h.fd())).filter(Objects::nonNull).collect(Collectors.toSet());
        InetAddress address = group.get(0).address;
        return PortListeners.listening(port).stream().filter(l -> l.address().equals(address)).allMatch(l -> ours.contains(l.inode()));
    }

    private static String inode(int fd) {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return link.startsWith("socket:[") ? link.substring(8, link.length() - 1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Completes once the socket, steered away from, has an empty accept queue (after a grace for
     * handshakes already begun), or after {@link #DRAIN_MAX_MS}: then its process can go.
     */
    private CompletableFuture<Void> drained(Held held, String slot) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!steering()) {
            done.complete(null);
            return done;
        }
        long since = loop.nanoTime();
        Runnable[] poll = new Runnable[1];
        poll[0] = () -> {
            long waitedMs = (loop.nanoTime() - since) / 1_000_000;
            long queued = queued(held);
            if (waitedMs >= DRAIN_GRACE_MS && queued == 0) {
                done.complete(null);
            } else if (waitedMs >= DRAIN_MAX_MS) {
                log.warn("{}: {} connection(s) still queued on its socket after {} ms: its process is not accepting", slot, queued, waitedMs);
                done.complete(null);
            } else {
                loop.schedule(poll[0], DRAIN_POLL_MS);
            }
        };
        loop.schedule(poll[0], DRAIN_POLL_MS);
        return done;
    }

    private static long queued(Held held) {
        if (!held.socket.isOpen()) {
            return 0; // its process exited as it drained, and the socket was closed after it
        }
        try {
            return NativeSockets.acceptQueue(held.fd());
        } catch (IOException e) {
            return 0;
        }
    }

    private void close(Held held) {
        if (held == null) {
            return;
        }
        try {
            held.socket.close();
        } catch (IOException e) {
            log.warn("{}: closing a listening socket: {}", app, e.getMessage());
        }
        // The kernel moves the group's last socket into the place of the one that left.
        int i = group.indexOf(held);
        if (i >= 0) {
            Held last = group.remove(group.size() - 1);
            if (last != held) {
                group.set(i, last);
            }
        }
        log.info("{}: listening socket on port {} closed", app, port);
        steer();
    }

    private static String describe(InetAddress address, boolean ipv6) {
        return address.getHostAddress() + (ipv6 ? " (IPv6 socket)" : " (IPv4 socket)");
    }

    private Held bind(int id, InetAddress address, boolean ipv6) throws IOException {
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
        Held held = new Held(socket, address, ipv6);
        group.add(held);
        log.info("{}:{} listening socket bound on {}:{} ({}, held by the supervisor)", app, id, address.getHostAddress(), port,
                ipv6 ? "IPv6 socket" : "IPv4 socket");
        steer();
        return held;
    }
}
