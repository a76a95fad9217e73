package dev.cluster.it;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoctorIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void doctorReportsTheKernelSettingTheDaemonAndAHomeOthersCanEnter() throws Exception {
        cluster.ok("ping");
        String migrate = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_migrate_req")).trim();
        ClusterFixture.Result healthy = cluster.cluster("doctor");
        assertTrue(healthy.out().contains("net.ipv4.tcp_migrate_req=" + migrate), healthy.toString());
        assertTrue(healthy.out().contains("supervisor running, pid " + cluster.daemonPid()), healthy.toString());
        String score = Files.readString(Path.of("/proc/" + cluster.daemonPid() + "/oom_score_adj")).trim();
        assertTrue(healthy.out().contains("; oom_score_adj " + score + ": "), healthy.toString());
        assertTrue(healthy.out().contains(cluster.home() + " is yours alone (0700), and so are its lib/ and logs/"), healthy.toString());
        assertTrue(healthy.out().contains("[ok]   setpriv, setsid and choom present"), healthy.toString());

        Files.setPosixFilePermissions(cluster.home(), PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            ClusterFixture.Result wide = cluster.cluster("doctor");
            assertTrue(wide.out().contains("is shared with other users (mode 0755)") && wide.out().contains("'chmod 700 " + cluster.home() + "'"),
                    wide.toString());
            assertEquals(2, wide.exit(), "every other command refuses such a home: " + wide);
            ClusterFixture.Result list = cluster.cluster("list");
            assertEquals(1, list.exit(), list.toString());
            assertTrue(list.err().contains("is shared with other users (mode 0755)"), list.toString());
        } finally {
            Files.setPosixFilePermissions(cluster.home(), PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void doctorSeesTcpMigrateReqEnabledInItsNetworkNamespace() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("unshare", "-n", "sh", "-c",
                "sysctl -qw net.ipv4.tcp_migrate_req=1 && exec \"$0\" -jar \"$1\" doctor",
                ClusterFixture.JAVA, ClusterFixture.CLUSTER_JAR.toString()).redirectErrorStream(true);
        builder.environment().put("CLUSTER_HOME", cluster.home().toString());
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Assumptions.assumeFalse(out.contains("unshare:") || out.contains("sysctl:"), "skipped: namespaces not permitted here: " + out);
        assertTrue(out.contains("[ok]   net.ipv4.tcp_migrate_req=1"), out);
    }
}
