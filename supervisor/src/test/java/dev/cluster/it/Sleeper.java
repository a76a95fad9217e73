package dev.cluster.it;

/** An app that starts and then does nothing: never binds, never says ready. */
public final class Sleeper {
    public static void main(String[] args) throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
