package dev.cluster.worker;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A zombie, standing for a worker the kernel is tearing down (exited, not reaped): a child that sh
 * started and, exec'd into sleep, never reaps. Its parent is killed at {@link #close}, and init
 * reaps the zombie.
 */
public final class Zombie implements AutoCloseable {
    private final Process parent;
    private final long pid;

    public Zombie() throws Exception {
        parent = new ProcessBuilder("sh", "-c", "sleep 0 & exec sleep 60").start();
        try {
            pid = awaitZombieChild();
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    public long pid() {
        return pid;
    }

    private long awaitZombieChild() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (ProcessHandle child : parent.children().toList()) {
                String stat = Files.readString(Path.of("/proc", Long.toString(child.pid()), "stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return child.pid();
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("sh's child did not become a zombie within 10 s");
    }

    @Override
    public void close() throws InterruptedException {
        parent.destroyForcibly().waitFor();
    }
}
