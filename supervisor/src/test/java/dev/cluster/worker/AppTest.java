package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AppTest {
    private final App app = new App(AppSpec.builder().name("web").cwd("/").command(List.of("server")).build(), new RecordingSockets(),
            new FakeLoop(), new FakeProcesses(), (slot, state) -> { });

    @Test
    void aSecondOperationOnABusyAppIsRefusedUntilTheFirstEnds() {
        app.begin(App.Operation.RELOAD);
        App.Busy busy = assertThrows(App.Busy.class, () -> app.begin(App.Operation.SCALE));
        assertEquals("app 'web' is busy with a reload: run the command again when it has finished", busy.getMessage());
        app.end(App.Operation.RELOAD);
        app.begin(App.Operation.SCALE);
        assertEquals("app 'web' is busy with a scale: run the command again when it has finished",
                assertThrows(App.Busy.class, app::requireIdle).getMessage());
    }

    @Test
    void anOperationThatEndsDoesNotClearAnother() {
        app.begin(App.Operation.SCALE);
        app.end(App.Operation.RELOAD);
        assertEquals("app 'web' is busy with a scale: run the command again when it has finished",
                assertThrows(App.Busy.class, app::requireIdle).getMessage());
    }

    /** A reload that came while a delete stopped the app's workers started one again, for an app then forgotten (a fuzz found it). */
    @Test
    void anAppBeingDeletedTakesNoOtherOperation() {
        App.yieldTo("delete", List.of(app));
        app.deleting();
        for (App.Operation operation : App.Operation.values()) {
            App.Busy busy = assertThrows(App.Busy.class, () -> app.begin(operation));
            assertEquals("app 'web' is being deleted: once 'cluster delete' has finished, start it again if you meant to", busy.getMessage());
        }
        assertFalse(app.idle(), "nor a memory replacement");
    }
}
