package dev.cluster.daemon;

import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code resurrect}'s answer and the saved list's keeping, through its seam: the start of each app is a stand-in, the file is real. */
class SavedAppsTest {
    @TempDir
    Path dir;

    private static AppSpec app(String name) {
        return AppSpec.builder().name(name).cwd("/").command(List.of("server")).build();
    }

    private static List<String> names(SavedApps saved) throws IOException {
        return saved.load().apps().stream().map(AppSpec::name).toList();
    }

    /** Resurrects with these apps running, each start succeeding unless it is named in {@code failing}; the answer. */
    private static Response resurrect(SavedApps saved, List<AppSpec> running, String... failing) {
        AtomicReference<Response> reply = new AtomicReference<>();
        saved.resurrect(() -> List.copyOf(running), (spec, answer) -> {
            if (List.of(failing).contains(spec.name())) {
                answer.accept(Response.error(spec.name() + ":0 exited with code 1 before it was ready (…)"));
            } else {
                running.add(spec);
                answer.accept(Response.ok("started " + spec.name()));
            }
        }, Response::ok, Runnable::run, reply::set);
        return reply.get();
    }

    @Test
    void noneSavedUntilTheFirstSaveAndABackupAloneCountsAsSaved() throws Exception {
        assertTrue(SavedApps.noneSaved(dir));
        SavedApps saved = new SavedApps(dir);
        saved.save(List.of(app("web")));
        assertFalse(SavedApps.noneSaved(dir));
        saved.save(List.of(app("web"), app("api"))); // the first list becomes the backup
        java.nio.file.Files.delete(dir.resolve("apps.json"));
        assertFalse(SavedApps.noneSaved(dir), "the backup is a saved list: resurrect uses it");
    }

    @Test
    void eachFailureIsNamedByItsAppAndTheOthersStillStart() throws Exception {
        SavedApps saved = new SavedApps(dir);
        saved.save(List.of(app("web"), app("api"), app("jobs"), app("admin")));
        AtomicReference<Response> reply = new AtomicReference<>();
        saved.resurrect(() -> List.of(app("admin")), (spec, answer) -> answer.accept(switch (spec.name()) {
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
        SavedApps saved = new SavedApps(dir);
        Response answer = saved.answer(Response.ok("deleted [noisy]"), "the app list could not be saved to /h/apps.json (No space left)");
        assertFalse(answer.ok());
        assertEquals("deleted [noisy], but the app list could not be saved to /h/apps.json (No space left): the change runs now, but after "
                + "a restart of the supervisor 'cluster resurrect' would bring back the list as last saved, without it; make room, then run "
                + "'cluster save'", answer.error()); // a deleted app would come back: not "would not bring it back"
        assertEquals(Response.ok("deleted [noisy]"), saved.answer(Response.ok("deleted [noisy]"), null));
    }

    @Test
    void aSupervisorStartedWithAppsSavedKeepsThemUntilAResurrectHasStartedThemAll() throws Exception {
        new SavedApps(dir).save(List.of(app("web"), app("api")));
        SavedApps restarted = new SavedApps(dir); // a reboot, or a supervisor that died
        restarted.holdIfAnySaved();
        assertTrue(restarted.held().startsWith("not saved: apps.json keeps its 2 saved app(s) (web, api), saved at "), restarted.held());
        assertTrue(restarted.held().contains(", which this supervisor has not started: 'cluster resurrect' starts them"));

        // 'cluster start other' before 'cluster resurrect': it runs, and the saved apps are not replaced by it.
        List<AppSpec> running = new ArrayList<>(List.of(app("other")));
        assertNull(restarted.saveQuietly(running));
        assertEquals(List.of("web", "api"), names(restarted));
        Response started = restarted.answer(Response.ok("started other"), null);
        assertTrue(started.ok());
        assertEquals(List.of(restarted.held()), started.details(), "the CLI prints it on stderr");

        // A resurrect that fails for one app keeps the list as it was.
        Response failed = resurrect(restarted, running, "api");
        assertFalse(failed.ok());
        assertTrue(failed.details().get(failed.details().size() - 1).startsWith("apps.json still holds every saved app, as it was"), failed.toString());
        assertEquals(List.of("web", "api"), names(restarted));

        // Once all have started, every change is saved again: what runs, the app started before included.
        Response back = resurrect(restarted, running);
        assertTrue(back.ok(), back.toString());
        assertNull(restarted.held());
        assertEquals(List.of("other", "web", "api"), names(restarted));
        assertEquals(Response.ok("started x"), restarted.answer(Response.ok("started x"), null));
    }

    @Test
    void saveReplacesAHeldListWithWhatRuns() throws Exception {
        new SavedApps(dir).save(List.of(app("web")));
        SavedApps restarted = new SavedApps(dir);
        restarted.holdIfAnySaved();
        assertTrue(restarted.held() != null);
        assertTrue(restarted.saveNow(List.of(app("other"))).ok());
        assertNull(restarted.held());
        assertEquals(List.of("other"), names(restarted));
        assertNull(restarted.saveQuietly(List.of(app("other"), app("more"))));
        assertEquals(List.of("other", "more"), names(restarted));
    }

    @Test
    void aFreshHomeOrAnEmptyListHoldsNothing() throws Exception {
        SavedApps fresh = new SavedApps(dir);
        fresh.holdIfAnySaved();
        assertNull(fresh.held());
        fresh.save(List.of());
        SavedApps empty = new SavedApps(dir);
        empty.holdIfAnySaved();
        assertNull(empty.held());
    }
}
