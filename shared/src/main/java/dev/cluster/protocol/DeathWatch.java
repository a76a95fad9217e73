package dev.cluster.protocol;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's death watch, for a supervisor that wants to hear of its death before the kernel
 * has torn it down: a killed JVM's exit is reported (waitpid, a pidfd, its sockets closing) only
 * once its memory is unmapped, 10-40 ms for a small heap on this 2-core VM. A thread of its own starts a
 * child, {@code setpriv --pdeathsig KILL -- sleep infinity}, and then waits for ever. The kernel
 * kills that child when the thread ends ({@code PR_SET_PDEATHSIG} is per thread), which it does only
 * as this process dies, at the start of the teardown; the child is tiny, so its exit follows within
 * a millisecond or two, and the supervisor watches that. Armed once per process, when the
 * environment asks ({@link Env#DEATH_WATCH}: apps with standbys, where a death means a takeover).
 * No lambda here: it runs in a standby's or an unmodified app's start.
 */
final class DeathWatch implements Runnable {
    private static final String SETPRIV = "/usr/bin/setpriv";
    private static final String SLEEP = "/usr/bin/sleep";

    private final SupervisorLink link;

    private DeathWatch(SupervisorLink link) {
        this.link = link;
    }

    static void arm(SupervisorLink link) {
        if ("1".equals(System.getenv(Env.DEATH_WATCH)) && Files.isExecutable(Path.of(SETPRIV)) && Files.isExecutable(Path.of(SLEEP))) {
            SupervisorLink.daemonThread("cluster-death-watch", new DeathWatch(link)).start();
        }
    }

    @Override
    public void run() {
        try {
            Process child = new ProcessBuilder(SETPRIV, "--pdeathsig", "KILL", "--", SLEEP, "infinity")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "<pid>/task/<tid>"
            link.send(new WorkerMessage.Watch(child.pid(), Long.parseLong(self.substring(self.lastIndexOf('/') + 1))));
        } catch (IOException | RuntimeException e) {
            return; // no watch: the supervisor learns of the death from the exit, as it would without
        }
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE); // this thread may end only with the process
            } catch (InterruptedException e) {
                // not even then
            }
        }
    }
}
