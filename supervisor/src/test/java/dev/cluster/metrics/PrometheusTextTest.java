package dev.cluster.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextTest {
    /** An app whose standbys are missing (given up, or one still starting) shows it beside the number it should keep. */
    @Test
    void eachAppsStandbysBesideTheNumberWanted() {
        String text = PrometheusText.render(Map.of("web", List.of()), Map.of(), Map.of("web", new PrometheusText.Standbys(0, 1)), 1_000);
        assertTrue(text.contains("# TYPE cluster_app_standbys gauge\n"), text);
        assertTrue(text.contains("\ncluster_app_standbys{app=\"web\"} 0\n"), text);
        assertTrue(text.contains("\ncluster_app_standbys_wanted{app=\"web\"} 1\n"), text);
    }
}
