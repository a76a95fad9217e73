package dev.cluster.worker;

import dev.cluster.home.ContentHash;
import dev.cluster.protocol.AppSpec;
import dev.cluster.sockets.NativeSockets;
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
 * The agent ({@code -javaagent}) and its native library travel inside the supervisor's jar; workers
 * need them as files. Each is written once per content into {@code $CLUSTER_HOME/lib}, named by its
 * hash, so a running worker's copy is never overwritten by an upgrade; a file already there under
 * that name is used only if its content has that hash.
 *
 * @param jar           the agent jar, or null when it cannot be had (jar apps then run without it)
 * @param nativeLibrary the agent's native library (listener handoff for unmodified apps), or null
 */
public record AgentJar(Path jar, Path nativeLibrary) {
    private static final Logger log = LoggerFactory.getLogger(AgentJar.class);
    static final String RESOURCE = "/dev/cluster/agent/cluster-agent.jar";
    static final String NATIVE_RESOURCE = "/dev/cluster/sockets/libslotsocket.so";

    /** Installs both into {@code lib}; what cannot be had is null (logged). */
    public static AgentJar install(Path lib) {
        Path jar = copy(RESOURCE, lib, "cluster-agent-", ".jar");
        if (jar == null) {
            log.warn("jar apps run without the agent: no telemetry, and a second worker cannot bind an unmodified app's port");
            return new AgentJar(null, null);
        }
        Path nativeLibrary = copy(NATIVE_RESOURCE, lib, "libslotsocket-", ".so");
        if (nativeLibrary == null) {
            log.warn("no native library for the agent: unmodified apps share their port (SO_REUSEPORT) without listener handoff");
        }
        return new AgentJar(jar, nativeLibrary);
    }

    /** The resource as {@code lib/<prefix><hash><suffix>}, or null (logged) when this build has none or it cannot be written. */
    private static Path copy(String resource, Path lib, String prefix, String suffix) {
        Path partial = null;
        try (InputStream in = AgentJar.class.getResourceAsStream(resource)) {
            if (in == null) {
                log.warn("this build has no {}", resource);
                return null;
            }
            // Streamed, not read into one array: the daemon's heap is small and stays that way.
            partial = Files.createTempFile(lib, prefix, ".partial");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream digesting = new DigestInputStream(in, sha)) {
                Files.copy(digesting, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            String hash = HexFormat.of().formatHex(sha.digest());
            Path target = lib.resolve(prefix + hash.substring(0, 16) + suffix);
            // Checked by content, not trusted by name: workers load and run this file.
            if (ContentHash.matches(target, hash)) {
                Files.delete(partial);
            } else {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException | NoSuchAlgorithmException e) {
            log.warn("cannot install {} into {}: {}", resource, lib, e.toString());
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

    /**
     * Whether the spec's workers run with the agent: not with {@code --no-agent}, not without an agent
     * jar, and not when the app's jar bundles the cluster library ({@link LibraryJar}). The
     * library then takes the app's sockets, says when it is ready and reports, and the agent's classes
     * would be the app's copies (the class path comes first), so the agent could only cost such a
     * start time: a JVM with any {@code -javaagent} boots its module graph without the CDS archive's
     * (~0.1 s, BENCHMARKS.md).
     */
    public boolean usedBy(AppSpec spec) {
        return spec.agent() && jar != null && spec.jar() != null && !LibraryJar.is(spec.jar());
    }

    /** Steering connections among an app's sockets needs the agent's native library in the daemon too. */
    public void loadNativeSockets() {
        if (nativeLibrary == null) {
            return;
        }
        try {
            NativeSockets.load(nativeLibrary);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            log.warn("cannot load {}: {}; a stopping worker's queued connections may be reset", nativeLibrary, e.getMessage());
        }
    }
}
