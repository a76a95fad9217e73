package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A training start's end, with a real process in place of the app's JVM and the loop's virtual time. */
class TrainingStartTest {
    final FakeLoop loop = new FakeLoop();
    Process process;
    @TempDir
    Path dir;

    @AfterEach
    void stopIt() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** A training start that does not end on SIGTERM (its app's shutdown hook never returns) is killed once the timeout passes. */
    @Test
    void oneThatIgnoresSigtermIsKilledOnceTheTimeoutPasses() throws Exception {
        ArchiveMaker.Trainer trainer = new ArchiveMaker.Trainer() {
            @Override
            public Process start(AppSpec spec, List<String> jvmOptions, int port, Path output) throws IOException {
                process = new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 60").start(); // ignored stays ignored across exec
                return process;
            }

            @Override
            public Process dump(AppSpec spec, Path classList, Path archive, Path output) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Process extract(AppSpec spec, Path destination, Path output) {
                throw new UnsupportedOperationException();
            }
        };
        AppSpec spec = AppSpec.builder().name("a").cwd("/").command(List.of("java", "-jar", "a.jar")).build();
        // On a port of its own, which nothing here listens on: the exercise's requests are refused at once.
        TrainingStart training = TrainingStart.begin(trainer, spec, "-XX:record", true, dir.resolve("out"), loop, 1_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ignoresTerm(process.pid()) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(ignoresTerm(process.pid()), "its shell has set its trap");

        training.ready(); // as the library says it: the requests, then SIGTERM from the loop
        loop.awaitDueTask(10_000);
        loop.runDue();
        loop.advance(999);
        assertTrue(process.isAlive(), "SIGTERM is ignored, and the timeout has not passed");
        loop.advance(1);
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "killed");
    }

    /** Whether SIGTERM is in the process's ignored signals ({@code SigIgn} in {@code /proc/PID/status}). */
    private static boolean ignoresTerm(long pid) {
        try {
            Matcher m = Pattern.compile("SigIgn:\\s*([0-9a-f]+)").matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
            return m.find() && (Long.parseLong(m.group(1), 16) & (1L << (15 - 1))) != 0;
        } catch (IOException e) {
            return false;
        }
    }
}
