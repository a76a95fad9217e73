package dev.cluster.profile;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlameGraphTest {
    @Test
    void boxesAreAsWideAsTheirSamplesAndSitInsideTheirCallers() throws Exception {
        FlameGraph graph = new FlameGraph();
        for (int i = 0; i < 3; i++) {
            graph.add("loop-1", List.of("Loop.run", "Routes.handle", "Routes.hashOnLoop", "Pbkdf2.derive"));
        }
        graph.add("loop-1", List.of("Loop.run", "Loop.select"));
        graph.add("pool-1", List.of("Worker.run", "Task.call"));
        assertEquals(5, graph.samples());
        Document svg = FlameGraphSvg.parse(graph.svg("a <test> & more"));
        double[] all = FlameGraphSvg.box(svg, "all");
        double[] loop = FlameGraphSvg.box(svg, "loop-1");
        double[] hash = FlameGraphSvg.box(svg, "Routes.hashOnLoop");
        assertNotNull(hash);
        assertEquals(FlameGraph.WIDTH, all[1] + 0.5, 0.2);
        assertEquals(all[1] * 4 / 5, loop[1], 1.0, "4 of 5 samples");
        assertEquals(all[1] * 3 / 5, hash[1], 1.0, "3 of 5 samples");
        assertTrue(hash[0] >= loop[0] && hash[0] + hash[1] <= loop[0] + loop[1] + 0.5, "the hash is drawn on the loop's thread");
        double[] pool = FlameGraphSvg.box(svg, "pool-1");
        assertTrue(pool[0] >= loop[0] + loop[1] - 0.5, "another thread is beside it, not on it");
    }

    @Test
    void namesAreEscapedAndControlCharactersDropped() throws Exception {
        FlameGraph graph = new FlameGraph();
        graph.add("evil\u001b[31m<thread>", List.of("Outer$Inner.lambda$run$0", "Gen<T>.call"));
        String svg = graph.svg("t");
        assertFalse(svg.contains("\u001b"));
        Document doc = FlameGraphSvg.parse(svg);
        assertNotNull(FlameGraphSvg.box(doc, "evil[31m<thread>"));
        assertNotNull(FlameGraphSvg.box(doc, "Gen<T>.call"));
    }
}
