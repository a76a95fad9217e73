package dev.cluster.view;

import dev.cluster.protocol.LagSummary;
import dev.cluster.protocol.MemoryInfo;
import dev.cluster.protocol.PoolInfo;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerTableTest {
    private static WorkerInfo worker(String app, int id, Long pid, String state) {
        return new WorkerInfo(app, id, pid, state, 2, 65_000, 8080, null, null, null, null, false,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    private static WorkerInfo measured(int id, double p99, boolean over) {
        return new WorkerInfo("api", id, 100L + id, "online", 0, 1_000, 8080, 12.34, 50L * 1024 * 1024, 1536L * 1024,
                new LagSummary(0.05, 0.1, p99, 203.4, 500), over, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void alignsColumnsAndShowsDashesForAWorkerWithoutProcess() {
        String table = WorkerTable.render(List.of(worker("api", 0, 1234L, "online"), worker("api", 1, null, "errored")), null, false, 0);
        List<String> lines = table.lines().toList();
        assertEquals(3, lines.size());
        assertEquals("APP  ID  PID   STATE    UPTIME  RESTARTS  CPU  RSS  HEAP  LAG P99  MAX  PORT  LIVE  POOL", lines.get(0));
        assertEquals("api  0   1234  online   1m5s    2         -    -    -     -        -    8080  -     -", lines.get(1));
        assertEquals("api  1   -     errored  -       2         -    -    -     -        -    8080  -     -", lines.get(2));
    }

    @Test
    void showsResourcesAndLagAndMarksAWorkerOverItsThreshold() {
        String table = WorkerTable.render(List.of(measured(0, 0.4, false), measured(1, 35, true)),
                new LagSummary(0.05, 0.2, 30, 203.4, 1000), false, 0);
        List<String> lines = table.lines().toList();
        assertEquals("api  0   100  online  1s      0         12%  50M  1.5M  0.40ms   203ms  8080  -     -", lines.get(1));
        assertEquals("api  1   101  online  1s      0         12%  50M  1.5M  35ms!    203ms  8080  -     -", lines.get(2));
        assertTrue(lines.get(3).startsWith("lag over the last 10s: cluster p50 0.05ms, p99 30ms, max 203ms"), lines.get(3));
        assertTrue(lines.get(3).contains("! = p99 above"), lines.get(3));
        assertTrue(WorkerTable.render(List.of(measured(1, 35, true)), null, true, 0).contains(Terminal.RED + "35ms!"));
    }

    /** A terminal narrower than the table: columns left out, the least read first, rather than each row wrapped in two. */
    @Test
    void aNarrowTerminalGetsTheColumnsThatFitAndALineNamingTheOthers() {
        List<WorkerInfo> workers = List.of(measured(0, 0.4, false), measured(1, 35, true));
        String wide = WorkerTable.render(workers, null, false, 0);
        assertEquals(wide, WorkerTable.render(workers, null, false, wide.lines().findFirst().orElseThrow().length()), "it fits: as it is");

        List<String> lines = WorkerTable.render(workers, null, false, 70).lines().toList();
        assertEquals("APP  ID  PID  STATE   UPTIME  RESTARTS  CPU  RSS  HEAP  LAG P99  MAX", lines.get(0));
        assertEquals("api  1   101  online  1s      0         12%  50M  1.5M  35ms!    203ms", lines.get(2));
        assertEquals("PORT, LIVE, POOL left out to fit 70 columns: 'cluster list | cat' shows all", lines.get(3));
        assertTrue(lines.stream().filter(l -> !l.contains("left out")).allMatch(l -> l.length() <= 70), "the table fits: " + lines);

        lines = WorkerTable.render(workers, null, false, 40).lines().toList();
        assertEquals("APP  ID  PID  STATE   UPTIME  CPU  RSS  LAG P99", lines.get(0), "as few as it keeps: who, state, cost and lag");
    }

    /** A column that marks a worker (!) stays however narrow the terminal: the mark is what to see. */
    @Test
    void aColumnWithAMarkIsNeverLeftOut() {
        WorkerInfo leaking = new WorkerInfo("api", 0, 100L, "online", 0, 1_000, 8080, 1.0, null, null, null, false,
                null, null, null, null, null, null, null, null, null, null, new MemoryInfo(41L << 20, 2.5 * (1 << 20), true, 600_000L, "-Xmx"), null, null, null, null);
        List<String> lines = WorkerTable.render(List.of(leaking), null, false, 40).lines().toList();
        assertEquals("APP  ID  PID  STATE   UPTIME  CPU   RSS  LAG P99  LIVE", lines.get(0));
        assertTrue(lines.get(1).endsWith("41M +2.5M/m!"), lines.get(1));
    }

    @Test
    void marksAClimbingLiveSetAndAFullPoolAndExplainsTheMarks() {
        WorkerInfo leaking = new WorkerInfo("api", 0, 100L, "online", 0, 1_000, 8080, 1.0, null, null, null, false,
                null, null, null, null, null, null, null, null, null, null, new MemoryInfo(41L << 20, 2.5 * (1 << 20), true, 600_000L, "-Xmx"), null, null, null, null);
        WorkerInfo saturated = new WorkerInfo("api", 1, 101L, "online", 0, 1_000, 8080, 1.0, null, null, null, false,
                null, null, null, null, null, null, null, null, null, new PoolInfo("hash", "executor", 2, 2, 31, 0, 6_000, true),
                new MemoryInfo(12L << 20, 0, false, null, null), null, null, null, null);
        String table = WorkerTable.render(List.of(leaking, saturated), null, false, 0);
        List<String> lines = table.lines().toList();
        assertTrue(lines.get(1).endsWith("41M +2.5M/m!  -"), lines.get(1));
        assertTrue(lines.get(2).endsWith("12M           hash 2/2+31!"), lines.get(2));
        assertTrue(table.contains("LIVE: heap in use after GC; ! = climbing"), table);
        assertTrue(table.contains("POOL: the fullest pool, busy/max+waiting; ! = at its maximum with work waiting for 5 s"), table);
        assertEquals("-", WorkerTable.pool(new PoolInfo("common", "forkjoin", 0, 2, 0, -1, 0, false)), "an idle pool is not worth a cell");
        // A pool that does not count what waits (queued -1): idle is idle, and busy shows no "+N".
        assertEquals("-", WorkerTable.pool(new PoolInfo("executor-thread", "jboss", 0, 200, -1, -1, 0, false)));
        assertEquals("executor-thread 200/200!", WorkerTable.pool(new PoolInfo("executor-thread", "jboss", 200, 200, -1, -1, 6_000, true)));
    }

    @Test
    void colourOnlyWhenAsked() {
        List<WorkerInfo> workers = List.of(worker("api", 0, 1L, "online"));
        assertFalse(WorkerTable.render(workers, null, false, 0).contains("\u001b["));
        assertTrue(WorkerTable.render(workers, null, true, 0).contains(Terminal.GREEN + "online"));
    }

    @Test
    void anEmptyClusterSaysHowToStart() {
        assertTrue(WorkerTable.render(List.of(), null, false, 0).contains("cluster start"));
    }

    @Test
    void aWorkerWhoseProcessIsStoppedReadsPausedNotOnline() {
        WorkerInfo paused = new WorkerInfo("api", 0, 100L, "online", 0, 1_000, 8080, 0.0, null, null, null, false,
                null, null, null, null, null, null, null, null, null, null, null, true, null, null, null);
        List<String> lines = WorkerTable.render(List.of(paused, worker("api", 1, 101L, "online")), null, false, 0).lines().toList();
        assertTrue(lines.get(1).startsWith("api  0   100  paused"), lines.get(1));
        assertTrue(lines.get(2).startsWith("api  1   101  online"), lines.get(2));
        assertTrue(lines.get(3).startsWith("paused: its process is stopped (SIGSTOP, a debugger) and serves nothing"), lines.get(3));
        assertTrue(WorkerTable.render(List.of(paused), null, true, 0).contains(Terminal.RED + "paused"));
    }

    @Test
    void aPausedStandbySaysItIsPassedOverNotThatConnectionsGoElsewhere() {
        WorkerInfo standby = new WorkerInfo("api", -1, 102L, "standby", 0, 1_000, 8080, 0.0, null, null, null, false,
                null, null, null, null, null, null, null, null, null, null, null, true, null, null, null);
        List<String> lines = WorkerTable.render(List.of(worker("api", 0, 101L, "online"), standby), null, false, 0).lines().toList();
        assertTrue(lines.get(2).startsWith("api  -   102  paused"), lines.get(2));
        assertTrue(lines.get(3).startsWith("paused standby: its process is stopped (SIGSTOP, a debugger); a worker that dies is replaced by a new"),
                lines.get(3));
        assertEquals(4, lines.size(), "no line about the app's workers: none of them is paused");
    }

    @Test
    void workersWhoseJarWasOverwrittenInPlaceGetOneLineForTheirApp() {
        String seen = "/srv/api/app.jar was overwritten in place (seen at 21:10:03)";
        List<WorkerInfo> workers = List.of(0, 1, 2).stream().map(id -> new WorkerInfo("api", id, 100L + id, "online", 0, 1_000, 8080, 0.0, null, null,
                null, false, null, null, null, null, null, null, null, null, null, null, null, null, null, null, id < 2 ? seen : null)).toList();
        List<String> lines = WorkerTable.render(workers, null, false, 0).lines().toList();
        assertEquals("api:0,1 " + seen + " while they run from it: their classes may fail to load; 'cluster reload api' now, and deploy by "
                + "renaming a new jar over it (mv) or switching a link, not by copying onto it", lines.get(4));
        assertEquals(5, lines.size(), String.join("\n", lines));
    }
}
