package dev.cluster.cli;

import dev.cluster.config.Durations;
import dev.cluster.protocol.PoolInfo;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DescribeCommandTest {
    @Test
    void aPoolLineSaysWhatWaitsOrThatThePoolDoesNotCountIt() {
        assertEquals("      executor  hash                 2/2, 31 waiting, 0 rejected, FULL for " + Durations.format(6_000),
                DescribeCommand.poolLine(new PoolInfo("hash", "executor", 2, 2, 31, 0, 6_000, true), 4));
        assertEquals("      jboss     executor-thread      3/200, waiting not counted",
                DescribeCommand.poolLine(new PoolInfo("executor-thread", "jboss", 3, 200, -1, -1, 0, false), 15));
    }

    /** Quarkus names a pool "vert.x-internal-blocking", longer than the column: its figures line up with the others'. */
    @Test
    void poolFiguresLineUpPastALongName() {
        int width = "vert.x-internal-blocking".length();
        String longName = DescribeCommand.poolLine(new PoolInfo("vert.x-internal-blocking", "jboss", 0, 20, -1, -1, 0, false), width);
        String shortName = DescribeCommand.poolLine(new PoolInfo("executor-thread", "jboss", 3, 200, -1, -1, 0, false), width);
        assertEquals(longName.indexOf("0/20"), shortName.indexOf("3/200"), longName + "\n" + shortName);
    }
}
