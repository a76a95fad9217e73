package dev.cluster.it;

/** A worker that says which signals it received, on stdout, and otherwise waits. */
public final class SignalEcho {
    public static void main(String[] args) throws InterruptedException {
        for (String name : new String[] {"USR2", "HUP"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> System.out.println("got " + s.getName()));
        }
        System.out.println("waiting for signals");
        Thread.sleep(Long.MAX_VALUE);
    }
}
