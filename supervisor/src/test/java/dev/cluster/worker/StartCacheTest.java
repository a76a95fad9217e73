package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which archive a launch gets and when a training start begins, with a stand-in process for the training. */
class StartCacheTest {
    final FakeLoop loop = new FakeLoop();
    /** The apps a training start was begun for; the processes, to stop after the test. */
    final List<String> trained = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stopTrainings() {
        processes.forEach(Process::destroyForcibly);
    }

    StartCache cache() {
        return new StartCache(dir.resolve("cache"), loop, new ArchiveMaker.Trainer() {
            @Override
            public Process start(AppSpec spec, List<String> jvmOptions, int port) throws IOException {
                trained.add(spec.name());
                return sleeper();
            }

            @Override
            public Process dump(AppSpec spec, Path classList, Path archive) throws IOException {
                return sleeper();
            }

            @Override
            public Process extract(AppSpec spec, Path destination) throws IOException {
                return sleeper();
            }
        });
    }

    Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "60").start();
        processes.add(p);
        return p;
    }

    AppSpec app(String name, Path jar) {
        return AppSpec.builder().name(name).cwd("/").command(List.of("java", "-jar", jar.toString())).jar(jar.toString()).build();
    }

    /** The command line of a jar app on this JVM's java, as the archive's key is made of it. */
    static List<String> javaJar(Path jar) {
        return List.of(ProcessHandle.current().info().command().orElseThrow(), "-jar", jar.toString());
    }

    @Test
    void twoAppsOfOneJarAndCommandLineEachGetTheirOwnTraining() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        AppSpec b = app("b", jar);
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"));
        assertTrue(cache.forLaunch(b, command).note().startsWith("none yet"));
        assertTrue(trained.isEmpty(), "not before a worker is ready: it would slow that start");
        cache.workerReady(a, command);
        cache.workerReady(b, command);
        assertEquals(List.of("a", "b"), trained);
        cache.workerReady(a, command);
        assertEquals(2, trained.size(), "one training per app and version");
    }

    @Test
    void aNewVersionOfTheJarAtTheSamePathIsTrainedAgain() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        cache.forLaunch(a, command);
        cache.workerReady(a, command);
        assertEquals(List.of("a"), trained);

        Files.write(jar, new byte[] {4, 5, 6, 7});
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"), "the old version's archive is not the new one's");
        cache.workerReady(a, command);
        assertEquals(List.of("a", "a"), trained, "the new version gets its own training");
    }
}
