package dev.cluster.cli;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerTableTest {
    private static WorkerInfo worker(String app, int id, Long pid, String state) {
        return new WorkerInfo(app, id, pid, state, 2, 65_000, 8080, null, null, null, null, null);
    }

    @Test
    void alignsColumnsAndShowsDashesForAWorkerWithoutProcess() {
        String table = WorkerTable.render(List.of(worker("api", 0, 1234L, "online"), worker("api", 1, null, "errored")), false);
        List<String> lines = table.lines().toList();
        assertEquals(3, lines.size());
        assertEquals("APP  ID  PID   STATE    UPTIME  RESTARTS  PORT", lines.get(0));
        assertEquals("api  0   1234  online   1m5s    2         8080", lines.get(1));
        assertEquals("api  1   -     errored  -       2         8080", lines.get(2));
    }

    @Test
    void colourOnlyWhenAsked() {
        List<WorkerInfo> workers = List.of(worker("api", 0, 1L, "online"));
        assertFalse(WorkerTable.render(workers, false).contains("\u001b["));
        assertTrue(WorkerTable.render(workers, true).contains(Terminal.GREEN + "online"));
    }

    @Test
    void anEmptyClusterSaysHowToStart() {
        assertTrue(WorkerTable.render(List.of(), false).contains("cluster start"));
    }
}
