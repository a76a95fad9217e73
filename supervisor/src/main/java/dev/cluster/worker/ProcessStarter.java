package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;

import java.io.IOException;
import java.util.List;

/** Starts worker processes: the seam between the lifecycle and the operating system. */
public interface ProcessStarter {
    /** Starts worker {@code workerId} of the app; throws when no process could be started at all. */
    WorkerProcess start(AppSpec spec, int workerId) throws IOException;

    /** Starts a standby of the app: a worker that waits for its slot (see {@link Standby}). */
    WorkerProcess startStandby(AppSpec spec) throws IOException;

    /** The command line the app's workers run, as {@code describe} shows it. */
    List<String> commandLine(AppSpec spec);

    /** Whether the kernel's OOM killer killed a process in the last second or two (see {@link OomKiller}): a SIGKILL's likely sender. */
    boolean oomKillJustNow();

    /** A worker of the app became ready: work put off so as not to slow its start (a training start) may begin. */
    void workerReady(AppSpec spec);
}
