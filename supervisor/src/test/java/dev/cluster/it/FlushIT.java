package dev.cluster.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.cluster.it.ClusterFixture.JAVA;
import static dev.cluster.it.ClusterFixture.TEST_CLASSES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cluster flush} while a worker keeps writing. */
class FlushIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static long lines(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long n = 0;
            for (byte b : bytes) {
                n += b == '\n' ? 1 : 0;
            }
            return n;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    @Test
    void emptiesTheLogsOfARunningWorkerWhichWritesOnFromTheStartWithoutAHole() throws Exception {
        cluster.ok("start", "--name", "noisy", "--port", Integer.toString(ClusterFixture.freePort()), "--listen-timeout", "1s",
                "--", JAVA, "-cp", TEST_CLASSES.toString(), EscapePrinter.class.getName());
        Path out = cluster.home().resolve("logs").resolve("noisy-0-out.log");
        ClusterFixture.await("some output", Duration.ofSeconds(20), () -> size(out) > 2_000);
        long before = Files.size(out);

        ClusterFixture.Result flush = cluster.ok("flush", "noisy");
        assertTrue(flush.out().startsWith("flushed 2 log file(s), "), flush.toString());
        // Three lines written after the flush: a worker still writing at its old offset would have left a hole by then.
        ClusterFixture.await("three lines after the flush", Duration.ofSeconds(10), () -> lines(out) >= 3);
        byte[] after = Files.readAllBytes(out);
        assertTrue(after.length < before, "emptied: " + after.length + " bytes now, " + before + " before");
        for (byte b : after) {
            assertTrue(b != 0, "a hole of zero bytes: the worker wrote at its old offset");
        }
        assertTrue(new String(after).startsWith("before "), "a whole line first: " + new String(after));
        assertEquals("online", cluster.worker("noisy", 0).state());

        ClusterFixture.Result none = cluster.cluster("flush", "nothing");
        assertEquals(1, none.exit(), none.toString());
        assertTrue(none.err().startsWith("cluster: no logs for 'nothing'"), none.toString());
    }
}
