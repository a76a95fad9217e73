package dev.cluster.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The telemetry agent ({@code -javaagent}) travels inside the supervisor's jar; workers need it as
 * a file. It is written once per content into {@code $CLUSTER_HOME/lib}, named by its hash, so a
 * running worker's agent is never overwritten by an upgrade.
 */
public final class AgentJar {
    private static final Logger log = LoggerFactory.getLogger(AgentJar.class);
    static final String RESOURCE = "/dev/cluster/agent/cluster-agent.jar";

    private AgentJar() {
    }

    /** The agent's path, or null (logged) when this build carries none or it cannot be written. */
    public static Path install(Path lib) {
        Path partial = null;
        try (InputStream resource = AgentJar.class.getResourceAsStream(RESOURCE)) {
            if (resource == null) {
                log.warn("this build has no telemetry agent ({} missing): jar apps run without it", RESOURCE);
                return null;
            }
            // Streamed, not read into one array: the daemon's heap is small and stays that way.
            Files.createDirectories(lib);
            partial = Files.createTempFile(lib, "cluster-agent-", ".partial");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(resource, sha)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            Path target = lib.resolve("cluster-agent-" + HexFormat.of().formatHex(sha.digest()).substring(0, 16) + ".jar");
            if (Files.isRegularFile(target) && Files.size(target) == Files.size(partial)) {
                Files.delete(partial);
            } else {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException | NoSuchAlgorithmException e) {
            log.warn("cannot install the telemetry agent into {}: {}; jar apps run without it", lib, e.toString());
            if (partial != null) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            return null;
        }
    }
}
