package dev.cluster.protocol;

import java.util.List;

/**
 * One worker as {@code list} and {@code describe} show it. This is the {@code list --json}
 * contract: fields are added, never renamed or removed. {@code pid} is absent while no process runs.
 * The fields after {@code port} are filled by {@code describe} only.
 */
public record WorkerInfo(
        String app,
        int id,
        Long pid,
        String state,
        int restarts,
        long uptimeMs,
        int port,
        String lastExit,
        String lastTransition,
        List<String> stderrTail,
        String outLog,
        String errLog) {

    public WorkerInfo summary() {
        return new WorkerInfo(app, id, pid, state, restarts, uptimeMs, port, null, null, null, null, null);
    }
}
