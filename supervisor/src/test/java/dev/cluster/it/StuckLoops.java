package dev.cluster.it;

import dev.cluster.library.ClusterWorker;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.locks.LockSupport;

/**
 * A worker that uses the library, is healthy for three seconds, then has every event loop stuck
 * for good (each parks forever: a deadlock as the supervisor sees it), while the JVM lives on.
 */
public final class StuckLoops {
    public static void main(String[] args) throws InterruptedException {
        ClusterWorker cluster = ClusterWorker.fromEnvironment();
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
        cluster.monitor(loops);
        cluster.ready();
        Thread.sleep(3_000);
        System.out.println("sticking every loop");
        for (EventExecutor loop : loops) {
            loop.execute(StuckLoops::stuckForGood);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void stuckForGood() {
        while (true) {
            LockSupport.park();
        }
    }
}
