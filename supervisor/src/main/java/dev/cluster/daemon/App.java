package dev.cluster.daemon;

import dev.cluster.logs.LogFiles;
import dev.cluster.protocol.AppSpec;
import dev.cluster.worker.Worker;
import dev.cluster.worker.WorkerLauncher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/** One supervised app: its spec and one {@link Worker} per instance, ids 0..N-1. */
final class App {
    private final AppSpec spec;
    private final List<Worker> workers = new ArrayList<>();

    App(AppSpec spec, WorkerLauncher launcher, LogFiles logs, ScheduledExecutorService loop) {
        this.spec = spec;
        for (int id = 0; id < spec.instances(); id++) {
            workers.add(new Worker(spec.name(), id, this::spec, launcher, logs, loop));
        }
    }

    AppSpec spec() {
        return spec;
    }

    String name() {
        return spec.name();
    }

    List<Worker> workers() {
        return workers;
    }
}
