package dev.cluster.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cluster signal: the workers receive the signal itself, and a bad signal is refused. */
class SignalIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void theTargetedWorkersReceiveTheSignal() {
        cluster.ok("start", "--name", "sig", "-i", "2", "--listen-timeout", "0", "--port", Integer.toString(ClusterFixture.freePort()),
                "--", ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), SignalEcho.class.getName());
        Path out0 = cluster.home().resolve("logs/sig-0-out.log");
        Path out1 = cluster.home().resolve("logs/sig-1-out.log");
        ClusterFixture.await("both workers to install their handlers", Duration.ofSeconds(20),
                () -> ClusterFixture.readOrEmpty(out0).contains("waiting for signals") && ClusterFixture.readOrEmpty(out1).contains("waiting for signals"));
        long pid1 = cluster.worker("sig", 1).pid();

        String sent = cluster.ok("signal", "SIGUSR2", "sig:0").out();
        assertTrue(sent.contains("sent SIGUSR2 to sig:0"), sent);
        ClusterFixture.await("worker 0 to report USR2", Duration.ofSeconds(10), () -> ClusterFixture.readOrEmpty(out0).contains("got USR2"));
        cluster.ok("signal", "hup", "sig");
        ClusterFixture.await("both workers to report HUP", Duration.ofSeconds(10),
                () -> ClusterFixture.readOrEmpty(out0).contains("got HUP") && ClusterFixture.readOrEmpty(out1).contains("got HUP"));
        assertTrue(!ClusterFixture.readOrEmpty(out1).contains("got USR2"), "only the targeted worker got USR2");
        assertEquals(pid1, cluster.worker("sig", 1).pid(), "a handled signal is no restart");

        ClusterFixture.Result bad = cluster.cluster("signal", "FOO", "sig");
        assertEquals(1, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("unknown signal 'FOO': use one of HUP"), bad.toString());
    }

    @Test
    void aDaemonStartedUnderNohupStillHasSighupForItselfAndItsWorkers() {
        // nohup makes SIGHUP ignored, which children inherit and a JVM cannot undo: the CLI starts the daemon with it reset.
        cluster.clusterUnder(List.of("nohup"), "start", "--name", "sig", "--listen-timeout", "0", "--port", Integer.toString(ClusterFixture.freePort()),
                "--", ClusterFixture.JAVA, "-cp", ClusterFixture.TEST_CLASSES.toString(), SignalEcho.class.getName());
        Path out = cluster.home().resolve("logs/sig-0-out.log");
        ClusterFixture.await("the worker to install its handlers", Duration.ofSeconds(20), () -> ClusterFixture.readOrEmpty(out).contains("waiting for signals"));
        cluster.ok("signal", "HUP", "sig");
        ClusterFixture.await("the worker to report HUP", Duration.ofSeconds(10), () -> ClusterFixture.readOrEmpty(out).contains("got HUP"));
    }
}
