package dev.cluster.it;

import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.cluster.it.ClusterFixture.JAVA;
import static dev.cluster.it.ClusterFixture.TEST_CLASSES;
import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cluster start cluster.yaml}: several apps from one file, an environment, --only; a bad file changes nothing. */
class EcosystemIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void startsTheFilesAppsWithTheChosenEnvironmentAndABadFileChangesNothing() throws Exception {
        int port = ClusterFixture.freePort();
        Path file = cluster.home().resolve("cluster.yaml");
        Files.writeString(file, String.join("\n",
                "apps:",
                "  - name: web",
                "    jar: " + WORKER_APP_JAR,
                "    instances: 2",
                "    port: " + port,
                "    env: {COLOUR: blue, SIZE: large}",
                "    env-production: {COLOUR: red}",
                "  - name: sleeper",
                "    command: [" + JAVA + ", -cp, " + TEST_CLASSES + ", " + Sleeper.class.getName() + "]",
                "    port: " + ClusterFixture.freePort(),
                "    listen-timeout: 1s",
                "  - name: later",
                "    command: [" + JAVA + ", -cp, " + TEST_CLASSES + ", " + Sleeper.class.getName() + "]",
                "    port: " + ClusterFixture.freePort(),
                "    listen-timeout: 1s",
                ""));
        ClusterFixture.Result start = cluster.ok("start", file.toString(), "--env", "production", "--only", "web,sleeper");
        assertTrue(start.out().contains("web") && start.out().contains("sleeper") && !start.out().contains("later"), start.toString());
        List<WorkerInfo> before = cluster.list();
        assertEquals(3, before.size(), before.toString());
        assertTrue(before.stream().allMatch(w -> w.state().equals("online")), before.toString());
        String describe = cluster.ok("describe", "web", "--show-env").out();
        assertTrue(describe.contains("COLOUR=red") && describe.contains("SIZE=large"), "env-production over env: " + describe);
        assertEquals(200, Http.get(port, "/").status());

        Path bad = cluster.home().resolve("bad.yaml");
        Files.writeString(bad, Files.readString(file).replace("    instances: 2", "    instanses: 2"));
        ClusterFixture.Result refused = cluster.cluster("start", bad.toString());
        assertEquals(1, refused.exit(), refused.toString());
        assertEquals(List.of("cluster: " + bad + ":4:5: app 'web': unknown option 'instanses': did you mean 'instances'?"), refused.errLines());
        assertEquals(before.stream().map(WorkerInfo::pid).toList(), cluster.list().stream().map(WorkerInfo::pid).toList(), "nothing changed");

        ClusterFixture.Result again = cluster.cluster("start", file.toString());
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains("app 'web' of " + file + " is already running"), again.toString());
        assertEquals(3, cluster.list().size(), "not even 'later' started: the file is checked as a whole first");

        cluster.ok("start", file.toString(), "--only", "later");
        assertEquals(4, cluster.list().size());

        // A deploy through the file (PM2's 'pm2 reload ecosystem.config.js'): its env, jvm-args and java, without downtime.
        Files.writeString(file, Files.readString(file).replace("    env-production: {COLOUR: red}",
                "    env-production: {COLOUR: green}\n    jvm-args: -Dreloaded=yes"));
        List<Long> webBefore = webPids();
        ClusterFixture.Result reloaded = cluster.ok("reload", file.toString(), "--env", "production", "--only", "web");
        assertTrue(reloaded.out().contains("reloaded [web]"), reloaded.toString());
        String after = cluster.ok("describe", "web", "--show-env").out();
        assertTrue(after.contains("COLOUR=green") && after.contains("SIZE=large") && after.contains("-Dreloaded=yes"), after);
        assertTrue(webPids().stream().noneMatch(webBefore::contains), "every worker replaced: " + webPids());

        String text = Files.readString(file);
        int last = text.lastIndexOf("listen-timeout: 1s");
        Files.writeString(file, text.substring(0, last) + "listen-timeout: 2s" + text.substring(last + "listen-timeout: 1s".length()));
        List<WorkerInfo> unchanged = cluster.list();
        ClusterFixture.Result cannot = cluster.cluster("reload", file.toString());
        assertEquals(1, cannot.exit(), cannot.toString());
        assertEquals(List.of("cluster: app 'later' of " + file + ": its 'listen-timeout' differs from the running app's, and a reload brings "
                + "only env, jvm-args and java: 'cluster delete later', then 'cluster start " + file + " --only later'"), cannot.errLines());
        assertEquals(unchanged.stream().map(WorkerInfo::pid).toList(), cluster.list().stream().map(WorkerInfo::pid).toList(),
                "checked as a whole first: neither 'web' nor 'sleeper' before it reloaded");

        cluster.ok("delete", "later");
        ClusterFixture.Result stop = cluster.ok("stop", file.toString());
        assertTrue(stop.out().contains("stopped"), stop.toString());
        assertEquals(List.of("cluster: app 'later' of " + file + " is not known to the supervisor: left out ('cluster start " + file
                + " --only later' starts it)"), stop.errLines());
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("stopped")), cluster.list().toString());
        cluster.ok("delete", file.toString());
        assertEquals(List.of(), cluster.list());
        ClusterFixture.Result none = cluster.cluster("delete", file.toString());
        assertEquals(1, none.exit(), none.toString());
        assertEquals(List.of("cluster: none of the apps of " + file + " (web, sleeper, later) is known to the supervisor: 'cluster start " + file
                + "' starts them"), none.errLines());
    }

    @Test
    void runStartsTheFilesAppsInTheForegroundAndExits1WithNothingToSupervise() throws Exception {
        Path file = cluster.home().resolve("cluster.yaml");
        Files.writeString(file, String.join("\n",
                "apps:",
                "  - name: web",
                "    jar: " + WORKER_APP_JAR,
                "    port: " + ClusterFixture.freePort(),
                "    env: {COLOUR: blue}",
                "    env-production: {COLOUR: red}",
                "  - name: sleeper",
                "    command: [" + JAVA + ", -cp, " + TEST_CLASSES + ", " + Sleeper.class.getName() + "]",
                "    port: " + ClusterFixture.freePort(),
                "    listen-timeout: 1s",
                ""));
        Process run = cluster.spawn("run", file.toString(), "--env", "production"); // PM2's 'pm2-runtime ecosystem.config.js'
        ClusterFixture.await("both apps online, seen from another CLI", Duration.ofSeconds(30), () -> {
            if (!Files.exists(cluster.home().resolve("control.sock"))) {
                return false;
            }
            List<WorkerInfo> workers = cluster.list();
            return workers.size() == 2 && workers.stream().allMatch(w -> w.state().equals("online"));
        });
        assertTrue(cluster.ok("describe", "web", "--show-env").out().contains("COLOUR=red"));
        run.toHandle().destroy(); // SIGTERM
        assertTrue(run.waitFor(30, TimeUnit.SECONDS), "run exits after SIGTERM");
        assertEquals(0, run.exitValue());

        // A container whose command line names nothing that can start fails, rather than running on with no app.
        ClusterFixture.Result nothing = cluster.cluster("run", "--", "no-such-program-xyz");
        assertEquals(1, nothing.exit(), nothing.toString());
        assertTrue(nothing.out().contains("failed: command 'no-such-program-xyz' not found"), nothing.toString());
        assertEquals(List.of("cluster: nothing to supervise: no app started (the 'failed:' line above says why); fix it and run again"),
                nothing.errLines());
        assertFalse(Files.exists(cluster.home().resolve("control.sock")));
    }

    @Test
    void runExits1OnceEveryAppIsErroredButNotWhileOneStillRunsNorWithNoAutoExit() throws Exception {
        String crashing = "echo db down >&2; exit 3";
        Path file = cluster.home().resolve("cluster.yaml");
        Files.writeString(file, String.join("\n",
                "apps:",
                "  - name: steady",
                "    command: [" + JAVA + ", -cp, " + TEST_CLASSES + ", " + Sleeper.class.getName() + "]",
                "    port: " + ClusterFixture.freePort(),
                "    listen-timeout: 0",
                "  - name: crashy",
                "    command: [sh, -c, '" + crashing + "']",
                "    port: " + ClusterFixture.freePort(),
                "    max-restarts: 2",
                ""));
        Process run = cluster.spawn("run", file.toString());
        awaitStates(Map.of("steady", "online", "crashy", "errored"));
        cluster.ok("stop", "steady"); // a stop is the operator's: with nothing errored but crashy, the supervisor runs on
        assertTrue(cluster.list().stream().anyMatch(w -> w.state().equals("stopped")));
        assertTrue(run.isAlive(), "run goes on while an app is stopped, not errored");
        run.toHandle().destroy();
        assertTrue(run.waitFor(30, TimeUnit.SECONDS), "run exits after SIGTERM");
        assertEquals(0, run.exitValue());

        // Alone, the crash loop ends it: exit 1, for systemd's Restart=on-failure or the container's policy to try afresh.
        String port = Integer.toString(ClusterFixture.freePort());
        ClusterFixture.Result errored = cluster.cluster("run", "--name", "crashy", "--max-restarts", "2", "--port", port, "--", "sh", "-c", crashing);
        assertEquals(1, errored.exit(), errored.toString());
        assertTrue(errored.out().contains("| db down") && errored.out().contains("crash loop, giving up"), errored.toString());
        assertEquals(List.of("cluster: every app is errored (crashy), nothing is left to supervise (its last lines above say why): exit 1, "
                + "for systemd or the container to start it afresh; --no-auto-exit runs on instead"), errored.errLines());
        assertFalse(Files.exists(cluster.home().resolve("control.sock")));

        Process runsOn = cluster.spawn("run", "--no-auto-exit", "--name", "crashy", "--max-restarts", "2", "--port", port, "--", "sh", "-c", crashing);
        awaitStates(Map.of("crashy", "errored"));
        assertTrue(runsOn.isAlive(), "--no-auto-exit runs on with every app errored");
        runsOn.toHandle().destroy();
        assertTrue(runsOn.waitFor(30, TimeUnit.SECONDS), "run exits after SIGTERM");
        assertEquals(0, runsOn.exitValue());
    }

    /** Waits until the supervisor, once up, lists each app's one worker in the state given. */
    private void awaitStates(Map<String, String> states) {
        ClusterFixture.await("workers " + states, Duration.ofSeconds(30), () -> Files.exists(cluster.home().resolve("control.sock"))
                && cluster.list().stream().collect(Collectors.toMap(WorkerInfo::app, WorkerInfo::state)).equals(states));
    }

    private List<Long> webPids() {
        return cluster.list().stream().filter(w -> w.app().equals("web")).map(WorkerInfo::pid).toList();
    }
}
