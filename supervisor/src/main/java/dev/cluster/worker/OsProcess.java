package dev.cluster.worker;

import dev.cluster.logs.WorkerOutput;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A worker's child process, started by {@link OsProcesses}, and its output pipes. */
final class OsProcess implements WorkerProcess {
    /** How long after its exit a process's pipes may stay open (a child it left holds them) before the exit is handled anyway. */
    private static final long OUTPUT_DRAIN_MS = 1_000;

    private final Process process;
    private final WorkerOutput output;
    private final CompletableFuture<Integer> exited;
    /** Whether it started from a start-up archive, in words; set again on the loop if the JVM refused it. */
    private volatile String startCacheNote;
    /** Run once, on the loop, when it is ready ({@link #ready}); null after. */
    private Runnable onReady;
    private final int sharedAmong;
    private final JarWatch jar;

    /**
     * @param leftoversKillMs when it leads its own process group: how long what it leaves running in it (the java of a
     *                        script that did not exec it, a child it started) has between SIGTERM and SIGKILL; else -1
     * @param jar             the jar it started from, or null
     */
    OsProcess(Process process, WorkerOutput output, String startCacheNote, int sharedAmong, long leftoversKillMs, JarWatch jar) {
        this.process = process;
        this.jar = jar;
        this.output = output;
        this.startCacheNote = startCacheNote;
        this.sharedAmong = sharedAmong;
        // The exit counts once the pipes are read to their end too, so the last lines are known;
        // a child the worker left running may hold them open, hence the bound.
        this.exited = process.onExit()
                .thenApply(p -> {
                    if (leftoversKillMs >= 0) {
                        ProcessGroups.endLeftovers(p.pid(), leftoversKillMs);
                    }
                    return p;
                })
                .thenCompose(p -> output.closed().copy().completeOnTimeout(null, OUTPUT_DRAIN_MS, TimeUnit.MILLISECONDS))
                .thenApply(closed -> process.exitValue());
    }

    @Override
    public String jarOverwritten() {
        return jar == null ? null : jar.overwritten(process.pid());
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void terminate() {
        process.destroy();
    }

    @Override
    public void kill() {
        process.destroyForcibly();
    }

    @Override
    public CompletableFuture<Void> signal(String name) {
        return Signals.send(pid(), name);
    }

    @Override
    public long listenerOn(int port) {
        List<PortListeners.Listener> listeners = PortListeners.listening(port);
        if (listeners.isEmpty() || !PortListeners.heldBy(pid(), listeners).isEmpty()) {
            return listeners.isEmpty() ? 0 : pid();
        }
        return ProcessGroups.children(pid(), 4).stream().filter(child -> !PortListeners.heldBy(child, listeners).isEmpty()).findFirst().orElse(0L);
    }

    @Override
    public List<String> lastErrLines() {
        return output.lastErrLines();
    }

    @Override
    public List<String> lastOutLines() {
        return output.lastOutLines();
    }

    @Override
    public boolean saidAddressInUse() {
        return output.saidAddressInUse();
    }

    @Override
    public String outputDropped() {
        return output.dropping();
    }

    @Override
    public String startCache() {
        return startCacheNote;
    }

    /** The JVM refused its archive, or took it: found once it is ready. Set on the loop. */
    void startCacheNote(String note) {
        startCacheNote = note;
    }

    /** {@code check} runs once, on the loop, when it is ready. */
    void whenReady(Runnable check) {
        onReady = check;
    }

    @Override
    public void ready() {
        Runnable run = onReady;
        onReady = null;
        if (run != null) {
            run.run();
        }
    }

    @Override
    public int sharedAmong() {
        return sharedAmong;
    }

    @Override
    public void assignedTo(int workerId) {
        output.retarget(workerId);
    }
}
