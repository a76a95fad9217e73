package dev.cluster.worker;

import dev.cluster.it.ClusterFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A start script that runs its server without exec, as real processes: its group names it, and nothing of it outlives it. */
class ProcessGroupsTest {
    private Process script;

    @AfterEach
    void cleanUp() throws Exception {
        if (script != null) {
            new ProcessBuilder("kill", "-s", "KILL", "--", "-" + script.pid()).start().waitFor();
        }
    }

    @Test
    void aScriptsChildIsInItsGroupAndIsEndedWhenTheScriptDies() throws Exception {
        script = new ProcessBuilder("/usr/bin/setsid", "sh", "-c", "sleep 1000; true").start(); // "; true": sh must fork, not exec
        long child = awaitChild(script.pid());
        assertEquals(script.pid(), ProcessGroups.of(child), "in the script's group");
        assertEquals(script.pid(), ProcessGroups.of(script.pid()), "which the script leads");
        assertEquals(0, ProcessGroups.of(Long.MAX_VALUE), "no such process");

        script.destroyForcibly().waitFor();
        ProcessHandle left = ProcessHandle.of(child).orElseThrow();
        assertTrue(left.isAlive(), "a script killed by SIGKILL leaves its child running");
        ProcessGroups.endLeftovers(script.pid(), 5_000);
        assertTrue(left.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS) != null && !left.isAlive(), "ended with SIGTERM");
    }

    private static long awaitChild(long pid) {
        ClusterFixture.await("a child of " + pid, Duration.ofSeconds(10), () -> !ProcessGroups.children(pid, 4).isEmpty());
        return ProcessGroups.children(pid, 4).get(0);
    }

    /**
     * A death watch's child killed as its worker died but not yet run to its end (seen on 2 busy cores: SIGKILL pending) is
     * dying, not left running: no warning, no SIGTERM for it. The stat fields are those after the name, state first.
     */
    @Test
    void aProcessWithSigkillPendingOrExitingIsDying() {
        String[] sleeping = "S 1 4242 4242 0 -1 4194304 93 0".split(" ");
        String quiet = "Name:\tsleep\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n";
        assertFalse(ProcessGroups.dying(sleeping, quiet));
        assertTrue(ProcessGroups.dying(sleeping, quiet.replace("SigPnd:\t0000000000000000", "SigPnd:\t0000000000000100")), "SIGKILL pending");
        assertTrue(ProcessGroups.dying(sleeping, quiet.replace("ShdPnd:\t0000000000000000", "ShdPnd:\t0000000000004100")), "for the group");
        assertFalse(ProcessGroups.dying(sleeping, quiet.replace("ShdPnd:\t0000000000000000", "ShdPnd:\t0000000000004000")), "SIGTERM is not");
        assertTrue(ProcessGroups.dying("R 1 4242 4242 0 -1 4194308 93 0".split(" "), quiet), "PF_EXITING");
        assertTrue(ProcessGroups.dying("Z 1 4242 4242 0 -1 4194304 93 0".split(" "), ""), "a zombie");
        assertFalse(ProcessGroups.dying(sleeping, ""), "gone meanwhile: its stat said it runs");
    }
}
