package dev.cluster.it;

import dev.cluster.profile.FlameGraphSvg;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code cluster profile} of a real worker busy hashing on its event loop, opened in a real browser. */
class ProfileIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @TempDir
    Path dir;

    @Test
    void aWorkerHashingOnItsLoopShowsTheHashOnTheLoopThreadAndServesThroughout() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        Path svg = dir.resolve("web.svg");
        try (LoadClient load = new LoadClient(port, "/hash-blocking", 30_000, 2, 0)) {
            load.awaitAnswered(10);
            ClusterFixture.Result r = cluster.ok("profile", "web:0", "--seconds", "5", "--out", svg.toString());
            assertTrue(r.out().matches("(?s)flame graph of web:0 \\(pid \\d+\\), [1-9]\\d* samples in 5 s: .*web\\.svg\\s*"), r.out());
            load.awaitAnswered(10);
            assertEquals(0, load.failed(), "the worker served throughout: " + load.failures());
        }
        Document doc = FlameGraphSvg.parse(Files.readString(svg));
        double[] hash = FlameGraphSvg.box(doc, "dev.cluster.demo.Routes.hashOnLoop");
        assertNotNull(hash, "the blocking route's method is in the graph");
        List<String> loops = FlameGraphSvg.threads(doc).stream().filter(t -> t.contains("EventLoop")).toList();
        assertTrue(loops.stream().anyMatch(t -> {
            double[] thread = FlameGraphSvg.box(doc, t);
            return hash[0] >= thread[0] - 0.1 && hash[0] + hash[1] <= thread[0] + thread[1] + 0.6;
        }), "drawn on an event-loop thread (" + loops + ")");
        assertTrue(FlameGraphSvg.box(doc, "all")[1] > 1000, "the whole width");

        assertRendersInABrowser(svg);
        assertEquals(0, Files.list(cluster.home().resolve("profiles")).count(), "the recording was removed");
    }

    @Test
    void badTargetsAndDurationsAreOneLineErrors() {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        ClusterFixture.Result none = cluster.cluster("profile", "nope:0", "--seconds", "1");
        assertTrue(none.exit() != 0 && none.errLines().size() == 1 && !none.err().contains("Exception"), none.toString());
        ClusterFixture.Result range = cluster.cluster("profile", "web:0", "--seconds", "0");
        assertTrue(range.exit() != 0 && range.err().contains("--seconds 0 is out of range"), range.toString());
        // A program is no JVM: said at once, not after jcmd's 10 s attach timeout and its stack trace.
        cluster.ok("start", "--name", "sleeper", "--listen-timeout", "0", "--port", Integer.toString(ClusterFixture.freePort()), "--", "sleep", "600");
        ClusterFixture.Result notJava = cluster.cluster("profile", "sleeper", "--seconds", "1");
        String said = notJava.errLines().get(notJava.errLines().size() - 1);
        assertTrue(notJava.exit() != 0 && said.startsWith("cluster: pid ") && said.contains(" is not a JVM (it runs /usr/bin/sleep)")
                && !notJava.err().contains("Exception"), notJava.toString());
    }

    /** A screenshot by headless Chromium (as CI installs it) that is not one colour: the SVG draws. */
    private void assertRendersInABrowser(Path svg) throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("no " + CHROMIUM + ": install Debian's chromium (apt-get install chromium; .ci/run does)");
        }
        Path png = dir.resolve("shot.png");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--window-size=1200,600", "--screenshot=" + png, svg.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                fail("chromium took over 90 s: " + Files.readString(dir.resolve("chromium.log")));
            }
        } finally {
            p.destroyForcibly();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        assertTrue(Files.exists(png), "no screenshot: " + Files.readString(dir.resolve("chromium.log")));
        BufferedImage image = ImageIO.read(png.toFile());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 4) {
            for (int x = 0; x < image.getWidth(); x += 4) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 10, "the screenshot is blank (" + colours.size() + " colours)");
    }
}
