package dev.cluster.daemon;

import dev.cluster.logs.LogFiles;
import dev.cluster.protocol.AppSpec;
import dev.cluster.worker.Worker;
import dev.cluster.worker.WorkerLauncher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetsTest {
    @TempDir
    Path dir;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final Map<String, App> apps = new LinkedHashMap<>();

    @AfterEach
    void stopLoop() {
        loop.shutdownNow();
    }

    private void add(String name, int instances) {
        AppSpec spec = new AppSpec(name, null, List.of("true"), null, null, dir.toString(), instances, 8080, null,
                1000, 1000, 100, 16, 1000, null, true, 10, 100, null, null, null);
        LogFiles logs = new LogFiles(dir);
        apps.put(name, new App(spec, new WorkerLauncher(null, dir.resolve("w.sock"), null), logs, loop, (w, s) -> { }));
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

    private static List<String> names(List<Worker> workers) {
        return workers.stream().map(Worker::name).toList();
    }
}
