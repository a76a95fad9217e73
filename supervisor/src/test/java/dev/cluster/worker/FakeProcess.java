package dev.cluster.worker;

import dev.cluster.logs.WorkerOutput;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/** A worker process the test drives: it listens, exits, ignores SIGTERM, says things, on command; it records what it was sent. */
public final class FakeProcess implements WorkerProcess {
    private final long pid;
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    public final List<String> received = new ArrayList<>();
    public final List<String> err = new ArrayList<>();
    public final List<String> out = new ArrayList<>();
    public boolean listening;
    public boolean ignoresTerm;
    /** What {@link #sharedAmong} answers; {@link FakeProcesses} sets it as the real starter does. */
    public int sharedAmong;

    public FakeProcess(long pid) {
        this.pid = pid;
    }

    /** The process exits with this status (128 + N: killed by signal N). */
    public void exit(int status) {
        exited.complete(status);
    }

    public boolean alive() {
        return !exited.isDone();
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void terminate() {
        received.add("TERM");
        if (!ignoresTerm) {
            exit(128 + 15);
        }
    }

    @Override
    public void kill() {
        received.add("KILL");
        exit(128 + 9);
    }

    @Override
    public CompletableFuture<Void> signal(String name) {
        received.add(name);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public long listenerOn(int port) {
        return listening && alive() ? pid : 0;
    }

    @Override
    public List<String> lastErrLines() {
        return err;
    }

    @Override
    public List<String> lastOutLines() {
        return out;
    }

    @Override
    public boolean saidAddressInUse() {
        return Stream.concat(err.stream(), out.stream()).anyMatch(WorkerOutput::saysAddressInUse);
    }

    @Override
    public String outputDropped() {
        return null;
    }

    @Override
    public String startCache() {
        return null;
    }

    /** The worker id a standby was given, or -1. */
    public int assignedTo = -1;

    @Override
    public void assignedTo(int workerId) {
        assignedTo = workerId;
    }

    @Override
    public int sharedAmong() {
        return sharedAmong;
    }
}
