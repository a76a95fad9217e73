package dev.cluster.protocol;

import java.util.List;

/**
 * One worker as {@code list} and {@code describe} show it. This is the {@code list --json}
 * contract: fields are added, never renamed or removed. {@code pid} is absent while no process runs.
 * {@code cpu} (percent of one core), {@code rssBytes} and {@code heapUsedBytes} are absent until
 * measured; {@code lag} is the event-loop lag over the last 10 s and {@code lagOver} says whether
 * its p99 is above the app's lag threshold; both are empty for a worker without a process.
 * {@code lastOutput} is what the run that exited last said ({@code lastOutputStream}: from its stderr,
 * or its stdout when stderr had nothing but JVM warnings). The fields after {@code lagOver} are filled by
 * {@code describe} only, except that {@code watch} frames carry {@code lastExit} and a glance at the
 * telemetry (the newest second's lag, the newest stall). {@code outputDropped} says why the worker's
 * output is being dropped (its log file cannot be written: a full disk), while it is. {@code startCache}
 * ({@code describe}) says whether its process started from a start-up archive. {@code pool} is the
 * worker's fullest pool and {@code memory} its live set's trend, both absent until reported.
 * {@code paused} is true while its process is stopped by a signal or a debugger (SIGSTOP, gdb): it
 * serves nothing then, though its {@code state} is still {@code online}; absent otherwise.
 * {@code whilePaused} says, in words, where new connections go meanwhile: to the app's other
 * workers, or into its queue when none serves or the port cannot be steered.
 * {@code share} ({@code describe}) is the share of the machine its process was sized for, when the
 * app has been scaled since (a JVM keeps the share it started with); absent otherwise.
 * {@code jarOverwritten} says that the jar its process started from was overwritten in place since
 * (a copy onto it: its classes may fail to load), and when that was seen; absent otherwise.
 */
public record WorkerInfo(
        String app,
        int id,
        Long pid,
        String state,
        int restarts,
        long uptimeMs,
        int port,
        Double cpu,
        Long rssBytes,
        Long heapUsedBytes,
        LagSummary lag,
        boolean lagOver,
        String lastExit,
        String lastTransition,
        List<String> lastOutput,
        String lastOutputStream,
        String outLog,
        String errLog,
        TelemetryInfo telemetry,
        String outputDropped,
        String startCache,
        PoolInfo pool,
        MemoryInfo memory,
        Boolean paused,
        String whilePaused,
        String share,
        String jarOverwritten) {
}
