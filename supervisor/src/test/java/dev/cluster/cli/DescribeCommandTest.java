package dev.cluster.cli;

import dev.cluster.config.Durations;
import dev.cluster.protocol.PoolInfo;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DescribeCommandTest {
    @Test
    void aPoolLineSaysWhatWaitsOrThatThePoolDoesNotCountIt() {
        assertEquals("      executor  hash                 2/2, 31 waiting, 0 rejected, FULL for " + Durations.format(6_000),
                DescribeCommand.poolLine(new PoolInfo("hash", "executor", 2, 2, 31, 0, 6_000, true)));
        assertEquals("      jboss     executor-thread      3/200, waiting not counted",
                DescribeCommand.poolLine(new PoolInfo("executor-thread", "jboss", 3, 200, -1, -1, 0, false)));
    }
}
