package dev.cluster.daemon;

import dev.cluster.logs.LogFiles;
import dev.cluster.protocol.AppSpec;
import dev.cluster.worker.Worker;
import dev.cluster.worker.WorkerLauncher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

/**
 * One supervised app: its spec and one {@link Worker} per slot, ids 0..N-1. During a reload a slot
 * also has a replacement, which takes the slot once it is online.
 */
final class App {
    private AppSpec spec;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Worker> replacements = new ArrayList<>();
    private final WorkerLauncher launcher;
    private final LogFiles logs;
    private final ScheduledExecutorService loop;
    private final Worker.StateListener stateListener;
    /** The reload or scale under way, which other commands on this app must wait for; null when idle. */
    private String operation;
    /** Why only one worker can serve this app (it binds its port without SO_REUSEPORT); null when unknown or shared. */
    private String portNotShared;

    App(AppSpec spec, WorkerLauncher launcher, LogFiles logs, ScheduledExecutorService loop, Worker.StateListener stateListener) {
        this.spec = spec;
        this.launcher = launcher;
        this.logs = logs;
        this.loop = loop;
        this.stateListener = stateListener;
        for (int id = 0; id < spec.instances(); id++) {
            workers.add(newWorker(id));
        }
    }

    AppSpec spec() {
        return spec;
    }

    void spec(AppSpec newSpec) {
        this.spec = newSpec;
    }

    String name() {
        return spec.name();
    }

    /** The worker serving each slot, by id. */
    List<Worker> workers() {
        return workers;
    }

    /** Slot workers and reload replacements: every worker that may have a process. */
    Stream<Worker> allWorkers() {
        return Stream.concat(workers.stream(), replacements.stream());
    }

    boolean isCurrent(Worker worker) {
        return worker.id() < workers.size() && workers.get(worker.id()) == worker;
    }

    Worker newWorker(int id) {
        return new Worker(spec.name(), id, this::spec, launcher, logs, loop, stateListener);
    }

    Worker addReplacement(int id) {
        Worker replacement = newWorker(id);
        replacements.add(replacement);
        return replacement;
    }

    /** The replacement takes its slot (it is online); returns the worker it replaced. */
    Worker promote(Worker replacement) {
        replacements.remove(replacement);
        return workers.set(replacement.id(), replacement);
    }

    void dropReplacement(Worker replacement) {
        replacements.remove(replacement);
    }

    Worker addSlot() {
        Worker worker = newWorker(workers.size());
        workers.add(worker);
        return worker;
    }

    void removeLastSlot() {
        workers.remove(workers.size() - 1);
    }

    String operation() {
        return operation;
    }

    void operation(String operation) {
        this.operation = operation;
    }

    String portNotShared() {
        return portNotShared;
    }

    void portNotShared(String reason) {
        this.portNotShared = reason;
    }
}
