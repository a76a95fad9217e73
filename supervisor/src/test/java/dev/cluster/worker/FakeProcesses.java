package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Starts {@link FakeProcess}es, in order; the test can shape each as it starts, or make starts fail. */
public final class FakeProcesses implements ProcessStarter {
    public final List<FakeProcess> started = new ArrayList<>();
    /** Applied to every process as it starts (e.g. {@code p -> p.listening = true}: ready at once). */
    public Consumer<FakeProcess> onStart = p -> { };
    public boolean failStarts;
    /** What {@link #oomKillJustNow} answers: whether the kernel's OOM killer "just killed" a process. */
    public boolean oomKill;
    private long nextPid = 1000;

    @Override
    public WorkerProcess start(AppSpec spec, int workerId) throws IOException {
        if (failStarts) {
            throw new IOException("Cannot run program nope: error=2, No such file or directory");
        }
        FakeProcess p = new FakeProcess(nextPid++);
        p.sharedAmong = spec.shared() && spec.jar() != null ? spec.instances() : 0;
        onStart.accept(p);
        started.add(p);
        return p;
    }

    @Override
    public List<String> commandLine(AppSpec spec) {
        return spec.command();
    }

    /** The standbys started, in order. */
    public final List<FakeProcess> standbys = new ArrayList<>();

    @Override
    public WorkerProcess startStandby(AppSpec spec) {
        FakeProcess p = new FakeProcess(nextPid++);
        p.sharedAmong = spec.shared() && spec.jar() != null ? spec.instances() : 0;
        standbys.add(p);
        return p;
    }

    @Override
    public boolean oomKillJustNow() {
        return oomKill;
    }

    @Override
    public void workerReady(AppSpec spec) {
        // nothing put off
    }

    public FakeProcess last() {
        return started.get(started.size() - 1);
    }
}
