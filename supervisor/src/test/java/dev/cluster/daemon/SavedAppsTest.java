package dev.cluster.daemon;

import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code resurrect} through its seam: which apps start, and how a failure is told, with no process. */
class SavedAppsTest {
    @TempDir
    Path dir;

    private static AppSpec app(String name) {
        return AppSpec.builder().name(name).cwd("/").command(List.of("server")).build();
    }

    @Test
    void eachFailureIsNamedByItsAppAndTheOthersStillStart() throws Exception {
        SavedApps saved = new SavedApps(dir);
        saved.save(List.of(app("web"), app("api"), app("jobs"), app("admin")));
        AtomicReference<Response> reply = new AtomicReference<>();
        saved.resurrect(Set.of("admin"), (spec, answer) -> answer.accept(switch (spec.name()) {
            case "api" -> Response.error("jar /srv/api.jar is under /srv, which can be written by other users (mode 0777), …");
            case "jobs" -> Response.error("jobs:0 exited with code 1 before it was ready (…)");
            default -> Response.ok("started " + spec.name());
        }), Response::ok, Runnable::run, reply::set);

        Response answer = reply.get();
        assertFalse(answer.ok());
        assertTrue(answer.error().matches("resurrected 1 of 4 app\\(s\\) saved at \\S+; 2 failed"), answer.error());
        assertEquals(List.of("admin is already running: left as it is",
                "api: jar /srv/api.jar is under /srv, which can be written by other users (mode 0777), …",
                "jobs:0 exited with code 1 before it was ready (…)"), answer.details());
    }

    @Test
    void aChangeThatRunsButIsNotSavedSaysWhatAResurrectWouldBringBack() {
        Response answer = SavedApps.unsaved(Response.ok("deleted [noisy]"), "the app list could not be saved to /h/apps.json (No space left)");
        assertFalse(answer.ok());
        assertEquals("deleted [noisy], but the app list could not be saved to /h/apps.json (No space left): the change runs now, but after "
                + "a restart of the supervisor 'cluster resurrect' would bring back the list as last saved, without it; make room, then run "
                + "'cluster save'", answer.error()); // a deleted app would come back: not "would not bring it back"
        assertEquals(Response.ok("deleted [noisy]"), SavedApps.unsaved(Response.ok("deleted [noisy]"), null));
    }
}
