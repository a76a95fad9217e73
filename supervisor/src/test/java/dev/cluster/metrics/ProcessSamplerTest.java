package dev.cluster.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real processes: a start script that runs its JVM without exec is sampled with that JVM. */
class ProcessSamplerTest {
    private Process script;

    @AfterEach
    void endIt() throws Exception {
        if (script != null) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWorkersMemoryAndThreadsIncludeTheJvmItsScriptStarted() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The JVM touches its 64 MB heap before main; "; true" keeps the shell from exec'ing it, as many start scripts do.
        script = new ProcessBuilder("sh", "-c", java + " -Xms64m -Xmx64m -XX:+AlwaysPreTouch -XX:+UseSerialGC -cp "
                + System.getProperty("java.class.path") + " dev.cluster.metrics.ProcessSamplerTest\\$Waits; true")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("waiting", out.readLine());
        }
        ProcessSampler.Sample sample = new ProcessSampler(Runnable::run).sample(Set.of(script.pid())).join().get(script.pid());
        assertTrue(sample.rssBytes() >= 64L << 20, "the JVM's touched heap counts: " + sample);
        assertTrue(sample.threads() > 2, "the JVM's threads count: " + sample);
    }

    /** The script's JVM: waits until it is killed, or until the test's end of its stdin closes (a test JVM that died). */
    public static final class Waits {
        public static void main(String[] args) throws java.io.IOException {
            System.out.println("waiting");
            System.out.flush();
            System.in.read();
        }
    }
}
