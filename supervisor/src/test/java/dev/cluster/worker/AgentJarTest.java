package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which jar apps' workers get the agent. */
class AgentJarTest {
    @TempDir
    Path dir;

    private String jar(String name, String... entries) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (String entry : entries) {
                j.putNextEntry(new JarEntry(entry));
                j.closeEntry();
            }
        }
        return jar.toString();
    }

    private static AppSpec spec(String jar, boolean agent) {
        return AppSpec.builder().name("web").jar(jar).agent(agent).build();
    }

    @Test
    void anUnmodifiedAppGetsTheAgentAndAnAppThatBundlesTheLibraryDoesNot() throws IOException {
        AgentJar agent = new AgentJar(dir.resolve("cluster-agent.jar"), null);
        assertTrue(agent.usedBy(spec(jar("plain.jar", "app/Main.class"), true)));
        assertFalse(agent.usedBy(spec(jar("plain2.jar", "app/Main.class"), false)), "--no-agent");
        assertFalse(new AgentJar(null, null).usedBy(spec(jar("plain3.jar", "app/Main.class"), true)), "no agent jar installed");
        assertFalse(agent.usedBy(spec(jar("shaded.jar", "app/Main.class", "dev/cluster/library/ClusterWorker.class"), true)),
                "the library does it all itself");
        assertTrue(agent.usedBy(spec(jar("boot.jar", "BOOT-INF/lib/cluster-shared-0.1.0.jar", "BOOT-INF/classes/app/Main.class"), true)),
                "a Spring Boot jar: decided as for its extraction, whose libraries are not at its root either");
        assertTrue(agent.usedBy(spec(Files.writeString(dir.resolve("not-a.jar"), "text").toString(), true)),
                "a jar it cannot read: as before, and the JVM says what is wrong");
    }

    @Test
    void aJarReplacedAtTheSamePathIsLookedAtAgain() throws IOException {
        AgentJar agent = new AgentJar(dir.resolve("cluster-agent.jar"), null);
        String path = jar("app.jar", "app/Main.class");
        assertTrue(agent.usedBy(spec(path, true)));
        assertTrue(agent.usedBy(spec(path, true)), "asked again: the same answer");
        jar("app.jar", "app/Main.class", "dev/cluster/library/ClusterWorker.class"); // a new version, now with the library
        assertFalse(agent.usedBy(spec(path, true)));
    }
}
