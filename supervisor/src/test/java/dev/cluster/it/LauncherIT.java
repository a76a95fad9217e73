package dev.cluster.it;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/cluster (which every integration test runs) prints what the command prints and nothing else,
 * on the build's JDK and on a newer one, with its class-data archive mapped: scripts parse
 * {@code list --json}, and a JDK's complaint about an archive once landed in it (JDK 25).
 */
class LauncherIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    static Stream<Arguments> jdks() {
        return Stream.of(Arguments.of("build JDK", ClusterFixture.JAVA), Arguments.of("JDK " + Jdks.NEWER, Jdks.newer().orElse(null)));
    }

    @ParameterizedTest(name = "on the {0}")
    @MethodSource("jdks")
    void printsTheCommandsOutputAndNothingElse(String label, String java) {
        assumeTrue(java != null, "skipped: no JDK " + Jdks.NEWER + " or newer in /usr/lib/jvm (set -Dcluster.it.newer-java=PATH)");
        cluster.useJava(java);
        for (int run = 1; run <= 2; run++) { // the first may train the archive, the second surely maps it
            ClusterFixture.Result list = cluster.ok("list", "--json");
            assertEquals("[]", list.out().strip(), "run " + run + ": " + list);
            assertEquals("", list.err(), "run " + run + ": " + list);
        }
    }
}
