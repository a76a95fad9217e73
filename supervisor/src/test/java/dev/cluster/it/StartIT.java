package dev.cluster.it;

import dev.cluster.cli.Cli;
import dev.cluster.home.Home;
import dev.cluster.protocol.Wire;
import dev.cluster.protocol.WorkerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void twoWorkersOnOnePortBothAnswerAndListMatchesTheRealProcesses() throws Exception {
        int port = ClusterFixture.freePort();
        ClusterFixture.Result start = cluster.ok("start", WORKER_APP_JAR.toString(), "-i", "2", "--port", Integer.toString(port), "--name", "web");
        assertTrue(start.out().contains("online"), start.toString());

        Set<Long> answered = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            answered.add(Http.whoamiPid(port));
        }
        List<WorkerInfo> workers = cluster.cliList();
        assertEquals(2, workers.size(), workers.toString());
        Set<Long> listed = workers.stream().map(WorkerInfo::pid).collect(Collectors.toSet());
        assertEquals(listed, answered, "the pids that answered are the pids listed");
        for (WorkerInfo w : workers) {
            assertEquals("online", w.state());
            assertEquals(0, w.restarts());
            assertTrue(w.uptimeMs() > 0);
            Optional<String> command = ProcessHandle.of(w.pid()).flatMap(p -> p.info().commandLine());
            assertTrue(command.orElse("").contains("worker-app.jar"), "pid " + w.pid() + " runs " + command);
        }
        assertEquals(Set.of(0, 1), workers.stream().map(WorkerInfo::id).collect(Collectors.toSet()));

        // `list` is answered without picocli or Jackson (Cli's quick path): it must see the same cluster.
        String json = Cli.quickList(new Home(cluster.home()), true, false, 0);
        assertNotNull(json, "the quick path got no text from the daemon, so every list takes the long way");
        assertEquals(listed, Arrays.stream(Wire.mapper().readValue(json, WorkerInfo[].class)).map(WorkerInfo::pid).collect(Collectors.toSet()));
        String table = Cli.quickList(new Home(cluster.home()), false, false, 0);
        assertTrue(table.startsWith("APP ") && listed.stream().allMatch(pid -> table.contains(" " + pid + " ")), table);
        String narrow = Cli.quickList(new Home(cluster.home()), false, false, 60);
        assertTrue(narrow.startsWith("APP ") && !narrow.lines().findFirst().orElseThrow().contains("POOL")
                && narrow.contains("left out to fit 60 columns"), narrow);
    }

    @Test
    void theHomeIsOwnerOnlyAndTheControlSocketToo() throws Exception {
        cluster.ok("ping");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.home())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.home().resolve("control.sock"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.home().resolve("worker.sock"))));
        assertTrue(Files.exists(cluster.home().resolve("daemon.pid")));
        // The daemon runs from its own copy of the jar, so a rebuild cannot pull classes from under it.
        String daemonCommand = ProcessHandle.of(cluster.daemonPid()).flatMap(p -> p.info().commandLine()).orElse("");
        assertTrue(daemonCommand.contains(cluster.home().resolve("lib").toString() + "/cluster-"), daemonCommand);
    }

    @Test
    void commandsRunAtTheSameMomentOnAFreshHomeAllReachOneSupervisor() throws Exception {
        // Each starts a daemon; all but one find the home taken and exit while the winner's JVM is
        // still starting. Their commands must wait for the winner, not report a failed start.
        List<Process> pings = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pings.add(cluster.spawn("ping"));
        }
        Set<String> daemons = new HashSet<>();
        for (Process p : pings) {
            ClusterFixture.Result r = cluster.finish(p, "ping");
            assertEquals(0, r.exit(), r.toString());
            Matcher pid = Pattern.compile("pid (\\d+)").matcher(r.out());
            assertTrue(pid.find(), r.toString());
            daemons.add(pid.group(1));
        }
        assertEquals(Set.of(Long.toString(cluster.daemonPid())), daemons, "every command reached the one daemon");
    }

    @Test
    void aDaemonOfAnEarlierBuildOfTheJarIsPointedOutByEveryCommandButKill() throws Exception {
        cluster.ok("ping");
        ClusterFixture.Result fresh = cluster.ok("list");
        assertEquals("", fresh.err(), fresh.toString());

        // As if the jar had been rebuilt since the daemon started (touching the jar itself would
        // also void the launcher's class-data archive of it, for every test after this one).
        Path record = cluster.home().resolve("daemon.build");
        List<String> lines = Files.readAllLines(record);
        assertEquals(ClusterFixture.CLUSTER_JAR.toString(), lines.get(0), "the daemon records the jar the CLI started it from");
        Files.write(record, List.of(lines.get(0), lines.get(1), Long.toString(Long.parseLong(lines.get(2)) - 60_000)));
        for (String[] command : new String[][] {{"list"}, {"list", "--json"}, {"ping"}}) {
            ClusterFixture.Result r = cluster.ok(command);
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("cluster: warning: the supervisor (pid " + cluster.daemonPid() + ") runs an earlier build of "
                    + ClusterFixture.CLUSTER_JAR), r.toString());
        }
        assertEquals("[]", cluster.ok("list", "--json").out().strip(), "stdout stays what scripts parse");
        // A command of several requests (here: is anything running, then two starts) says it once.
        Path file = Files.writeString(cluster.home().resolve("two.yaml"), String.join("\n", "apps:",
                "  - {name: a, command: [sleep, '600'], listen-timeout: 0, port: " + ClusterFixture.freePort() + "}",
                "  - {name: b, command: [sleep, '600'], listen-timeout: 0, port: " + ClusterFixture.freePort() + "}", ""));
        ClusterFixture.Result two = cluster.ok("start", file.toString());
        assertEquals(1, two.errLines().size(), two.toString());
        assertEquals("", cluster.ok("kill").err());
    }

    /** Queue consumers (--listen-timeout 0) claim no port: two of them and a web app on one port all start, and the web app serves it. */
    @Test
    void appsThatServeNoPortLeaveTheirPortToOneThatDoes() throws Exception {
        String port = Integer.toString(ClusterFixture.freePort());
        cluster.ok("start", "--name", "consumer", "--listen-timeout", "0", "--port", port, "--", "sleep", "600");
        cluster.ok("start", "--name", "mailer", "-i", "2", "--listen-timeout", "0", "--port", port, "--", "sleep", "600");
        cluster.ok("start", WORKER_APP_JAR.toString(), "--name", "web", "--port", port, "--start-cache", "off"); // no training start's CPU
        assertEquals("web", Wire.mapper().readTree(Http.get(Integer.parseInt(port), "/whoami").body()).get("app").asText());
        assertTrue(cluster.ok("describe", "mailer").out().contains("instances      2, serving no port (--listen-timeout 0; PORT=" + port + ")"));
        ClusterFixture.Result taken = cluster.cluster("start", WORKER_APP_JAR.toString(), "--name", "web2", "--port", port, "--start-cache", "off");
        assertEquals("cluster: port " + port + " is already used by app 'web': choose another --port", taken.err().strip(), taken.toString());
    }

    @Test
    void anAppThatSaysItServesNoPortButBindsOneServesItsOwnSocketAndTheDaemonLogSaysWhy() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", ClusterFixture.zooJar("jdkhttp").toString(), "--name", "api", "--listen-timeout", "0",
                "--port", Integer.toString(port), "--start-cache", "off");
        long pid = cluster.worker("api", 0).pid();
        ClusterFixture.await("api answering on the socket it bound", java.time.Duration.ofSeconds(60), () -> {
            try {
                return Http.rootPid(port) == pid;
            } catch (java.io.IOException notYet) {
                return false;
            }
        });
        assertTrue(cluster.daemonLog().contains("api:0: no listening socket handed over, the app serves the socket it bound: it binds port "
                + port + " though its --listen-timeout 0 says it serves no port"), cluster.daemonLog());
    }

    @Test
    void anAppWithoutTheLibraryIsOnlineWhenItListensAndGetsTheClusterEnvironment() throws Exception {
        int port = ClusterFixture.freePort();
        long started = System.nanoTime();
        // A 60 s listen timeout: online well before it means the port was seen listening.
        cluster.ok("start", "--name", "plain", "-i", "2", "--port", Integer.toString(port), "--listen-timeout", "60s",
                "--env", "GREETING=hi", "--", ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), PlainServer.class.getName(), "300");
        assertTrue(System.nanoTime() - started < 40_000_000_000L, "start returned only after the listen timeout");
        assertTrue(cluster.list().stream().allMatch(w -> w.state().equals("online")));

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100 && ids.size() < 2; i++) {
            String body = Http.get(port, "/").body();
            assertTrue(body.contains("PORT=" + port) && body.contains("CLUSTER_INSTANCES=2") && body.contains("CLUSTER_APP=plain")
                    && body.contains("CLUSTER_WORKER_SOCKET=" + cluster.home().resolve("worker.sock")) && body.contains("GREETING=hi"), body);
            ids.add(body.replaceAll("(?s).*CLUSTER_WORKER_ID=(\\d+).*", "$1"));
        }
        assertEquals(Set.of("0", "1"), ids);
    }

    @Test
    void theWorkerAppKnowsItsIdentity() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "solo");
        String body = Http.get(port, "/whoami").body();
        assertTrue(body.contains("\"app\":\"solo\"") && body.contains("\"workerId\":0"), body);
        assertEquals(200, Http.get(port, "/health").status());
        assertEquals(200, Http.get(port, "/").status());
        assertEquals(404, Http.get(port, "/nope").status());
    }
}
