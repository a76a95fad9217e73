package dev.cluster.telemetry;

import dev.cluster.protocol.PoolReport;

import java.util.List;

/** Reads the pools as the telemetry reporter does, for tests in other packages. */
public final class PoolsProbe {
    private PoolsProbe() {
    }

    public static List<PoolReport> sample() {
        return new Pools().sample(System.currentTimeMillis());
    }
}
