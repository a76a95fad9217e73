package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShareTest {
    private static AppSpec app(int instances) {
        return AppSpec.builder().name("web").cwd("/").jar("/app.jar").instances(instances).build();
    }

    @Test
    void theCoresAndTheJvmsDefaultHeapShareAreDividedAmongTheWorkers() {
        assertEquals(new Share(8, 25), Share.of(app(1), 8));
        assertEquals(new Share(2, 6.25), Share.of(app(4), 8));
        assertEquals(new Share(1, 12.5), Share.of(app(2), 2));
        assertEquals(1, Share.of(app(16), 8).processors(), "at least one");
        assertEquals(List.of("-XX:ActiveProcessorCount=1", "-XX:MaxRAMPercentage=8.33"), Share.of(app(3), 2).jvmOptions(List.of()));
    }

    @Test
    void whatTheAppsOwnOptionsSetIsLeftToThem() {
        Share share = Share.of(app(2), 4);
        assertEquals(List.of("-XX:MaxRAMPercentage=12.5"), share.jvmOptions(List.of("-XX:ActiveProcessorCount=4")));
        assertEquals(List.of("-XX:ActiveProcessorCount=2"), share.jvmOptions(List.of("-Xmx512m")));
        assertEquals(List.of(), share.jvmOptions(List.of("-XX:MaxRAMPercentage=50", "-XX:ActiveProcessorCount=1")));
        assertEquals("2 processor(s), heap as its own JVM options say per worker", share.describe(List.of("-Xmx1g")));
    }

    @Test
    void optionsTheJvmTakesFromItsEnvironmentAreTheAppsOwnToo() {
        // As a container or a systemd unit sizes its JVM: neither is overridden by the share, nor claimed by describe.
        AppSpec app = app(2).toBuilder().jvmArgs(List.of("-Dx=1"))
                .env(Map.of("JAVA_TOOL_OPTIONS", " -XX:ActiveProcessorCount=4  -Xmx300m ", "JDK_JAVA_OPTIONS", "", "_JAVA_OPTIONS", "")).build();
        assertEquals(List.of("-Dx=1", "-XX:ActiveProcessorCount=4", "-Xmx300m"), AppJvmOptions.of(app));
        assertEquals(List.of(), Share.of(app, 2).jvmOptions(AppJvmOptions.of(app)));
        assertEquals("processors as its own JVM options say, heap as its own JVM options say per worker", Share.of(app, 2).describe(AppJvmOptions.of(app)));
        assertEquals(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"), List.copyOf(AppJvmOptions.variables(app).keySet()),
                "--env wins over the supervisor's own, even when empty");
    }

    /** A container's JAVA_TOOL_OPTIONS naming OpenTelemetry's agent made every JDK 17 archive's dump fail ("Must enable AllowArchivingWithJavaAgent"). */
    @Test
    void aJvmOfTheStartCacheGetsTheVariablesWithoutAgents() {
        AppSpec app = app(1).toBuilder().env(Map.of("JAVA_TOOL_OPTIONS", "-javaagent:/otel/agent.jar -Xmx2g", "JDK_JAVA_OPTIONS", "-agentpath:/x.so",
                "_JAVA_OPTIONS", "")).build();
        Map<String, String> env = new java.util.HashMap<>(Map.of("JDK_JAVA_OPTIONS", "-Dfrom=supervisor", "PATH", "/bin"));
        AppJvmOptions.setWithoutAgents(app, env);
        assertEquals(Map.of("JAVA_TOOL_OPTIONS", "-Xmx2g", "PATH", "/bin"), env);
    }

    @Test
    void aStartUpArchiveDependsOnTheShareOnlyThroughCompressedPointers() {
        long gb = 1L << 30;
        assertEquals(null, Share.of(app(2), 2).archiveTrait(List.of(), 24 * gb), "12.5 % of 24 GB");
        assertEquals(Share.of(app(2), 2).archiveTrait(List.of(), 24 * gb), Share.of(app(3), 2).archiveTrait(List.of(), 24 * gb),
                "a scale from 2 to 3 keeps the archive");
        assertEquals("-XX:-UseCompressedOops", Share.of(app(1), 64).archiveTrait(List.of(), 256 * gb), "25 % of 256 GB: 64 GB");
        assertEquals(null, Share.of(app(4), 64).archiveTrait(List.of(), 256 * gb), "6.25 % of 256 GB: 16 GB");
        assertEquals(null, Share.of(app(1), 64).archiveTrait(List.of("-Xmx4g"), 256 * gb), "the app's own heap option is in the key as it is");
    }
}
