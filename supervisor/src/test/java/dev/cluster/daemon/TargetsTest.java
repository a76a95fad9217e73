package dev.cluster.daemon;

import dev.cluster.protocol.AppSpec;
import dev.cluster.worker.App;
import dev.cluster.worker.FakeLoop;
import dev.cluster.worker.FakeProcesses;
import dev.cluster.worker.RecordingSockets;
import dev.cluster.worker.Slot;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetsTest {
    private final Map<String, App> apps = new LinkedHashMap<>();

    private void add(String name, int instances) {
        AppSpec spec = AppSpec.builder().name(name).command(List.of("true")).cwd("/").instances(instances).build();
        apps.put(name, new App(spec, new RecordingSockets(), new FakeLoop(), new FakeProcesses(), (slot, state) -> { }));
    }

    @Test
    void resolvesAllAnAppAnAppWorkerAndAnUnambiguousId() {
        add("api", 2);
        add("jobs", 3);
        assertEquals(5, Targets.resolve("all", apps).size());
        assertEquals(List.of("api:0", "api:1"), names(Targets.resolve("api", apps)));
        assertEquals(List.of("jobs:1"), names(Targets.resolve("jobs:1", apps)));
        assertEquals(List.of("jobs:2"), names(Targets.resolve("2", apps)));
    }

    @Test
    void refusesAnAmbiguousIdAndNamesTheApps() {
        add("api", 2);
        add("jobs", 2);
        Targets.NoMatch e = assertThrows(Targets.NoMatch.class, () -> Targets.resolve("1", apps));
        assertTrue(e.getMessage().contains("api:1"), e.getMessage());
    }

    @Test
    void unknownTargetsSayWhereToLook() {
        add("api", 1);
        for (String target : new String[] {"web", "api:1", "api:x", "7", "", "../etc"}) {
            Targets.NoMatch e = assertThrows(Targets.NoMatch.class, () -> Targets.resolve(target, apps), target);
            assertTrue(e.getMessage().contains("cluster list") || e.getMessage().contains("name an app"), e.getMessage());
        }
    }

    @Test
    void deleteTakesWholeAppsOnly() {
        add("api", 2);
        assertEquals(1, Targets.apps("api", apps).size());
        assertThrows(Targets.NoMatch.class, () -> Targets.apps("api:0", apps));
    }

    private static List<String> names(List<Slot> slots) {
        return slots.stream().map(Slot::name).toList();
    }
}
