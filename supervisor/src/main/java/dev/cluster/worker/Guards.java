package dev.cluster.worker;

import dev.cluster.config.Durations;
import dev.cluster.protocol.AppSpec;
import dev.cluster.view.WorkerTable;

import java.util.ArrayList;
import java.util.List;

/**
 * The guards, as a function from what the supervisor observes to what it should do: each second,
 * for every serving slot of an app, whether it is hung ({@code --hang-timeout}) or over its memory
 * limit ({@code --max-memory-restart}). The supervisor acts on the verdicts. At most one worker of an
 * app is taken down for a hang at a time: none while another is down for one.
 */
public final class Guards {
    private Guards() {
    }

    public enum Kind { HANG, MEMORY }

    public record Verdict(Slot slot, Kind kind, String why) {
    }

    /** @param awakeMs how long the supervisor has run without being paused (see {@link Slot#hangCause}) */
    public static List<Verdict> judge(App app, long awakeMs) {
        AppSpec spec = app.spec();
        List<Verdict> verdicts = new ArrayList<>();
        boolean hangAllowed = app.slots().stream().noneMatch(Slot::downForHang);
        for (Slot slot : app.slots()) {
            if (slot.state() != SlotState.ONLINE || slot.serving().state() != AttemptState.READY) {
                continue;
            }
            String hang = hangAllowed ? slot.hangCause(awakeMs) : null;
            Long rss = slot.telemetry().rssBytes();
            if (hang != null) {
                verdicts.add(new Verdict(slot, Kind.HANG, hang + " (--hang-timeout " + Durations.format(spec.hangTimeoutMs()) + ")"));
                hangAllowed = false;
            } else if (spec.maxMemoryBytes() != null && rss != null && rss > spec.maxMemoryBytes()) {
                verdicts.add(new Verdict(slot, Kind.MEMORY, "uses " + WorkerTable.bytes(rss) + " of memory, over --max-memory-restart "
                        + WorkerTable.bytes(spec.maxMemoryBytes())));
            }
        }
        return verdicts;
    }
}
