package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrashIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    @Tag("bind-modes")
    void aKilledWorkerIsReplacedUnderTheSameIdWhileTheOtherKeepsAnswering() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web", "--bind", ClusterFixture.BIND);
        WorkerInfo victim = cluster.worker("web", 0);
        WorkerInfo survivor = cluster.worker("web", 1);

        Map<Long, AtomicInteger> answersByPid = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        // Clients that give up after 250 ms: a new connection the kernel hands to the dead worker's slot
        // waits there for the replacement, and a client stuck on it would stop asking the other worker.
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(new Thread(() -> {
                while (running.get()) {
                    try {
                        answersByPid.computeIfAbsent(Http.whoamiPid(port, 250), pid -> new AtomicInteger()).incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        load.forEach(Thread::start);
        try {
            ClusterFixture.await("some answers before the kill", Duration.ofSeconds(10), () -> answersByPid.size() == 2);
            int survivorBefore = answersByPid.get(survivor.pid()).get();
            ProcessHandle.of(victim.pid()).orElseThrow().destroyForcibly();

            ClusterFixture.await("web:0 back online with a new pid", Duration.ofSeconds(30), () -> {
                WorkerInfo w = cluster.worker("web", 0);
                return w.state().equals("online") && w.pid() != null && !w.pid().equals(victim.pid());
            });
            int survivorAnswersDuringOutage = answersByPid.get(survivor.pid()).get() - survivorBefore;
            assertTrue(survivorAnswersDuringOutage >= 10, "the other worker answered only " + survivorAnswersDuringOutage + " times");
        } finally {
            running.set(false);
            for (Thread t : load) {
                t.join();
            }
        }
        WorkerInfo replaced = cluster.worker("web", 0);
        assertEquals(1, replaced.restarts());
        assertEquals(survivor.pid(), cluster.worker("web", 1).pid(), "the other worker was left alone");
        // Failures are allowed only for requests that were on, or queued to, the killed worker.
        assertTrue(failures.get() < 200, failures.get() + " failed requests");
        String describe = cluster.ok("describe", "web:0").out();
        assertTrue(describe.contains("killed by signal 9 (SIGKILL)"), describe);
    }

    @Test
    void aCrashLoopEndsErroredWithTheExpectedRestartsAndRestartBringsItBack() throws Exception {
        int port = ClusterFixture.freePort();
        Path healthy = cluster.home().resolve("healthy");
        String script = "echo starting; echo boom >&2; [ -f " + healthy + " ] && exec " + ClusterFixture.JAVA + " -jar " + WORKER_APP_JAR + "; exit 3";
        ClusterFixture.Result start = cluster.cluster("start", "--name", "crashy", "--port", Integer.toString(port),
                "--max-restarts", "3", "--restart-delay", "50ms", "--", "sh", "-c", script);
        assertEquals(1, start.exit(), start.toString());
        assertTrue(start.err().contains("crashy:0 exited with code 3 before it was ready"), start.toString());
        assertTrue(start.err().contains("boom"), "the last stderr lines are shown: " + start);

        ClusterFixture.await("crashy errored", Duration.ofSeconds(30), () -> cluster.worker("crashy", 0).state().equals("errored"));
        WorkerInfo errored = cluster.worker("crashy", 0);
        assertEquals(3, errored.restarts());
        assertEquals(null, errored.pid());
        String describe = cluster.ok("describe", "crashy").out();
        assertTrue(describe.contains("exited with code 3"), describe);
        assertTrue(describe.contains("| boom"), describe);
        assertTrue(describe.contains("crash loop"), describe);

        Files.createFile(healthy);
        cluster.ok("restart", "crashy");
        WorkerInfo back = cluster.worker("crashy", 0);
        assertEquals("online", back.state());
        assertEquals(200, Http.get(port, "/health").status());
    }

    @Test
    void withAutorestartOffAJobThatEndsIsLeftStoppedWithItsExitAndRestartRunsItAgain() throws Exception {
        Path go = cluster.home().resolve("go");
        Path runs = cluster.home().resolve("runs");
        // A job: it counts its runs, waits to be told to finish, then exits 3.
        String script = "echo run >> " + runs + "; while [ ! -f " + go + " ]; do sleep 0.05; done; rm " + go + "; echo done >&2; exit 3";
        cluster.ok("start", "--name", "job", "--autorestart", "off", "--listen-timeout", "0", "--", "sh", "-c", script);
        Files.createFile(go);
        ClusterFixture.await("job stopped", Duration.ofSeconds(30), () -> cluster.worker("job", 0).state().equals("stopped"));
        ClusterFixture.sleep(500); // a restart would come at once or after 100 ms: none may come
        assertEquals(List.of("run"), Files.readAllLines(runs), "run once");
        WorkerInfo stopped = cluster.worker("job", 0);
        assertEquals("stopped", stopped.state());
        assertEquals(0, stopped.restarts());
        String describe = cluster.ok("describe", "job").out();
        assertTrue(describe.contains("exited with code 3") && describe.contains("not restarted: --autorestart off"), describe);
        assertTrue(describe.contains("restarts       none: a worker that exits is left stopped (--autorestart off)"), describe);
        assertTrue(describe.contains("| done"), describe);

        cluster.ok("restart", "job");
        ClusterFixture.await("job ran again", Duration.ofSeconds(30), () -> runs.toFile().length() == "run\nrun\n".length());
        assertEquals("online", cluster.worker("job", 0).state());
    }

    /** A job done within milliseconds (before the supervisor first looks) started: `start` succeeds, and its exit shows. */
    @Test
    void aJobThatIsDoneAtOnceStartedAndIsLeftStopped() throws Exception {
        ClusterFixture.Result start = cluster.cluster("start", "--name", "quick", "--autorestart", "off", "--listen-timeout", "0", "--",
                "sh", "-c", "echo migrated");
        assertEquals(0, start.exit(), start.toString());
        ClusterFixture.await("quick stopped", Duration.ofSeconds(30), () -> cluster.worker("quick", 0).state().equals("stopped"));
        String describe = cluster.ok("describe", "quick").out();
        assertTrue(describe.contains("exited with code 0") && describe.contains("| migrated"), describe);
    }

    /**
     * A start script that runs java without exec, as many do: the JVM that connects to the supervisor is the script's child.
     * It is known as the worker's (its telemetry, its pid in list), and what the script leaves running when it dies ends with it.
     */
    @Test
    void aScriptThatRunsJavaWithoutExecIsSupervisedAsItsJvmAndLeavesNothingRunning() throws Exception {
        Path script = cluster.home().resolve("start.sh");
        Files.writeString(script, "#!/bin/sh\n" + ProcessHandle.current().info().command().orElseThrow() + " -jar " + WORKER_APP_JAR + "\n");
        script.toFile().setExecutable(true);
        int port = ClusterFixture.freePort();
        cluster.ok("start", "--name", "wrapped", "--port", Integer.toString(port), "--", script.toString());
        WorkerInfo w = cluster.worker("wrapped", 0);
        ProcessHandle jvm = ProcessHandle.of(w.pid()).orElseThrow();
        ProcessHandle started = jvm.parent().orElseThrow();
        assertTrue(started.info().command().orElse("").endsWith("sh"), "list shows the JVM, the script's child: " + started.info());
        assertEquals(200, Http.get(port, "/whoami").status());
        ClusterFixture.await("the JVM's own figures", Duration.ofSeconds(10), () -> {
            WorkerInfo now = cluster.worker("wrapped", 0);
            return now.rssBytes() != null && now.rssBytes() > 20L << 20 && now.heapUsedBytes() != null;
        });

        started.destroyForcibly(); // the script dies: its JVM must not serve on beside the next one
        ClusterFixture.await("the old JVM ended", Duration.ofSeconds(15), () -> !jvm.isAlive());
        ClusterFixture.await("wrapped:0 online again", Duration.ofSeconds(30), () -> {
            WorkerInfo now = cluster.worker("wrapped", 0);
            return now.state().equals("online") && now.pid() != null && now.pid() != jvm.pid();
        });
        ProcessHandle next = ProcessHandle.of(cluster.worker("wrapped", 0).pid()).orElseThrow();
        ProcessHandle nextScript = next.parent().orElseThrow();
        cluster.ok("stop", "wrapped");
        assertTrue(!next.isAlive() && !nextScript.isAlive(), "stopped, the script and its JVM");
    }

    /**
     * What a worker leaves running that ignores SIGTERM gets SIGKILL after the kill timeout, from a timer in the supervisor:
     * when the supervisor itself exits ('cluster kill') before then (here after ~1 s: the script's exit counts once its
     * pipes, which the leftovers hold, have had 1 s to close), it sends that before it goes, and nothing of the worker outlives it.
     */
    @Test
    void whatAWorkerLeftRunningThatIgnoresSigtermDoesNotOutliveClusterKill() throws Exception {
        cluster.ok("start", "--name", "job", "--listen-timeout", "0", "--kill-timeout", "3s", "--",
                "sh", "-c", "sh -c 'trap \"\" TERM; sleep 1000' & wait");
        ProcessHandle script = ProcessHandle.of(cluster.worker("job", 0).pid()).orElseThrow();
        ClusterFixture.await("the script's children", Duration.ofSeconds(10), () -> script.descendants().count() == 2);
        List<ProcessHandle> left = script.descendants().toList();
        cluster.ok("kill");
        // Before, the supervisor exited ~1 s after the script, and what it left slept on for good.
        ClusterFixture.await("nothing of the worker left", Duration.ofSeconds(10), () -> left.stream().noneMatch(ProcessHandle::isAlive));
    }

    /** A restart, reload or scale for which no new worker could start (its program deleted by a deploy gone wrong) stops nothing. */
    @Test
    void aRestartWhoseProgramIsGoneIsRefusedAndTheWorkerKeepsRunning() throws Exception {
        Path dir = Files.createDirectory(cluster.home().resolve("release"));
        Path program = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\nexec sleep 1000\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        cluster.ok("start", "--name", "job", "--listen-timeout", "0", "--cwd", dir.toString(), "--", "./run.sh");
        long pid = cluster.worker("job", 0).pid();
        Files.delete(program);
        for (String[] command : new String[][] {{"restart", "job"}, {"reload", "job"}, {"scale", "job", "2"}}) {
            ClusterFixture.Result refused = cluster.cluster(command);
            assertEquals(1, refused.exit(), refused.toString());
            assertTrue(refused.err().startsWith("cluster: app 'job' cannot start a worker now: command not found: " + program), refused.toString());
        }
        WorkerInfo still = cluster.worker("job", 0);
        assertEquals("online", still.state());
        assertEquals(pid, still.pid());
        assertEquals(1, cluster.list().size());
    }

    /** A deploy that swaps the app's directory under a worker that dies meanwhile: no process can start there until it is back. */
    @Test
    void aWorkerWhoseDirectoryIsGoneIsRetriedAfterTheBackOffAndStartsOnceItIsBack() throws Exception {
        Path dir = Files.createDirectory(cluster.home().resolve("release"));
        Path moved = cluster.home().resolve("release.moved");
        cluster.ok("start", "--name", "job", "--listen-timeout", "0", "--cwd", dir.toString(), "--", "sleep", "1000");
        long first = cluster.worker("job", 0).pid();
        Files.move(dir, moved);
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        ClusterFixture.await("the start refused, and why", Duration.ofSeconds(10), () -> cluster.ok("describe", "job").out()
                .contains("could not start: its working directory " + dir + " is gone (moved or deleted?)"));
        assertTrue(List.of("exited", "launching").contains(cluster.worker("job", 0).state()), "retried, not given up: " + cluster.worker("job", 0));
        Files.move(moved, dir);
        ClusterFixture.await("job online again by itself", Duration.ofSeconds(30), () -> {
            WorkerInfo w = cluster.worker("job", 0);
            return w.state().equals("online") && w.pid() != null && w.pid() != first;
        });
    }

    /**
     * A worker the kernel's OOM killer takes (here: its memory cgroup's limit, as systemd's MemoryMax= or a container's) is
     * said to be its, not only "killed by signal 9". Needs a memory cgroup this user may make: root, as CI runs.
     */
    @Test
    void aWorkerTheOomKillerTookIsSaidToBeIts() throws Exception {
        Path group = memoryCgroup("cluster-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime(), 200L << 20);
        try {
            // The JVM enters the group before it starts, then touches a heap three times the group's limit.
            String script = "echo $$ > " + group.resolve("cgroup.procs") + " && exec " + ClusterFixture.JAVA
                    + " -Xmx1g -Xms600m -XX:+AlwaysPreTouch -cp " + ClusterFixture.TEST_CLASSES + " " + PlainServer.class.getName();
            cluster.cluster("start", "--name", "hog", "--port", Integer.toString(ClusterFixture.freePort()), "--", "sh", "-c", script);
            ClusterFixture.await("the OOM killer named in the daemon log", Duration.ofSeconds(20), () -> cluster.daemonLog()
                    .contains("hog:0 launching -> exited (killed by signal 9 (SIGKILL), likely by the kernel's OOM killer (it killed a process just then;"));
            cluster.ok("delete", "hog");
        } finally {
            ClusterFixture.readOrEmpty(group.resolve("cgroup.procs")).lines().forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
            ClusterFixture.await("the group empty", Duration.ofSeconds(10), () -> ClusterFixture.readOrEmpty(group.resolve("cgroup.procs")).isBlank());
            Files.deleteIfExists(group);
        }
    }

    /** A new memory cgroup (v1 or v2) limited to {@code bytes} without swap; the test is skipped where none can be made. */
    private static Path memoryCgroup(String name, long bytes) throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        boolean isV1 = Files.isDirectory(v1);
        Path group = (isV1 ? v1 : Path.of("/sys/fs/cgroup")).resolve(name);
        try {
            Files.createDirectory(group);
        } catch (IOException e) {
            Assumptions.abort("cannot make a memory cgroup here (" + e + "): needs root");
        }
        Files.writeString(group.resolve(isV1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(bytes));
        Path noSwap = group.resolve(isV1 ? "memory.swappiness" : "memory.swap.max");
        if (Files.exists(noSwap)) {
            Files.writeString(noSwap, "0");
        }
        return group;
    }

    @Test
    void whenTheDaemonIsKilledEveryWorkerExitsWithinTwoSeconds() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web");
        // This one ignores stdin and has no library: only the parent-death signal stops it.
        cluster.ok("start", "--name", "plain", "--port", Integer.toString(ClusterFixture.freePort()), "--",
                ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), PlainServer.class.getName());
        List<Long> workers = cluster.list().stream().map(WorkerInfo::pid).toList();
        assertEquals(3, workers.size());

        ProcessHandle.of(cluster.daemonPid()).orElseThrow().destroyForcibly();
        long killedAt = System.nanoTime();
        ClusterFixture.await("every worker gone", Duration.ofSeconds(10),
                () -> workers.stream().noneMatch(ClusterFixture::isRunning));
        long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(tookMs <= 2_000, "workers outlived the daemon by " + tookMs + " ms");
        assertEquals(List.of(), cluster.processesOfThisHome());

        // The next command finds the stale socket and starts a fresh daemon.
        assertNotEquals("", cluster.ok("ping").out());
        assertEquals(List.of(), cluster.list());
    }
}
