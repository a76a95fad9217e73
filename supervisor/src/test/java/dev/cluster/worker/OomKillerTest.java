package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OOM killer's count, read every second: a rise counts for a death in the one or two seconds after it, not later. And the
 * shield: a process the supervisor starts gets back the score the supervisor was started with.
 */
class OomKillerTest {
    final FakeLoop loop = new FakeLoop();
    final AtomicLong count = new AtomicLong(5);

    @Test
    void aRiseCountsUntilTwoReadingsHavePassedIt() {
        OomKiller kills = new OomKiller(loop, count::get);
        assertFalse(kills.justNow());
        loop.advance(OomKiller.READ_EVERY_MS);
        count.incrementAndGet(); // an OOM kill just before a death is noticed
        assertTrue(kills.justNow());
        loop.advance(OomKiller.READ_EVERY_MS);
        assertTrue(kills.justNow(), "a kill just before a reading still counts for a death noticed just after it");
        loop.advance(OomKiller.READ_EVERY_MS);
        assertFalse(kills.justNow(), "two seconds on, it was some other process's");
    }

    @Test
    void aRiseBeforeTheSupervisorStartedIsNotCounted() {
        count.set(9);
        OomKiller kills = new OomKiller(loop, count::get);
        assertFalse(kills.justNow());
    }

    @Test
    void aKernelWithoutTheCountNeverSaysSo() {
        OomKiller kills = new OomKiller(loop, () -> -1);
        loop.advance(10 * OomKiller.READ_EVERY_MS);
        assertFalse(kills.justNow());
    }

    @Test
    void aShieldedSupervisorsProcessesGetBackTheScoreItWasStartedWithNeverBelowZero() {
        assertEquals(List.of("/usr/bin/choom", "-n", "0", "--"), OomKiller.unshield(-999, 0, true), "lowered by itself, or by systemd's OOMScoreAdjust");
        assertEquals(List.of("/usr/bin/choom", "-n", "300", "--"), OomKiller.unshield(-999, 300, true));
        assertEquals(List.of(), OomKiller.unshield(0, 0, true), "not shielded: they inherit its score");
        assertEquals(List.of(), OomKiller.unshield(0, 0, false));
    }

    /** The prefix as a worker's command line has it, run for real: choom sets the score and runs the command in its place. */
    @Test
    void theRealChoomRaisesTheScoreOfTheCommandItRuns() throws Exception {
        List<String> cmd = new ArrayList<>(OomKiller.unshield(-999, 345, true));
        cmd.addAll(List.of("cat", "/proc/self/oom_score_adj"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        assertEquals("345", out, "raising a score needs no privilege");
    }
}
