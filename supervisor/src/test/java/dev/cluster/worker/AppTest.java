package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals(App.Operation.SCALE, app.operation());
    }

    @Test
    void anOperationThatEndsDoesNotClearAnother() {
        app.begin(App.Operation.SCALE);
        app.end(App.Operation.RELOAD);
        assertEquals(App.Operation.SCALE, app.operation());
    }
}
