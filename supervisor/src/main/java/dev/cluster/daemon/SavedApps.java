package dev.cluster.daemon;

import dev.cluster.home.SafePaths;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.ProtocolException;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The app list on disk, {@code $CLUSTER_HOME/apps.json}: what {@code resurrect} starts again after
 * a reboot or a supervisor that died. The supervisor writes it on every change of the list, so a
 * crash never loses it. A write never leaves a half file: the new list goes to a temporary file,
 * is flushed to disk, and is renamed over the old one, which is kept as {@code apps.json.bak}
 * (a hard link made first, so at no moment is there no list). A supervisor that starts with apps
 * saved (a reboot, one that died) holds the list as it is until {@code resurrect} has started them
 * all or {@code save} replaces them: a change saved before that would replace them with what runs.
 */
public final class SavedApps {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SavedApps.class);
    /** The file's content. */
    record Snapshot(String savedAt, List<AppSpec> apps) {
    }

    /** What {@link #load} found: the apps, and a warning if the backup had to stand in. */
    record Loaded(List<AppSpec> apps, String savedAt, String warning) {
    }

    private final Path file;
    private final Path backup;
    private final Path temporary;
    /** While the list on disk is held (see above): what it holds, for the user; else null. */
    private String held;

    SavedApps(Path dir) {
        this.file = dir.resolve("apps.json");
        this.backup = dir.resolve("apps.json.bak");
        this.temporary = dir.resolve("apps.json.tmp");
    }

    /** At the supervisor's start: holds the list if it has apps (see above). */
    void holdIfAnySaved() {
        String saved = summary(this);
        if (saved != null) {
            held = "not saved: " + file.getFileName() + " keeps its " + saved + ", which this supervisor has not started: "
                    + "'cluster resurrect' starts them, and every change is saved again; 'cluster save' replaces them with what runs now";
        }
    }

    /** Why changes are not being saved now (the list is held), or null. */
    String held() {
        return held;
    }

    Path file() {
        return file;
    }

    void save(List<AppSpec> apps) throws IOException {
        byte[] bytes = Wire.encode(new Snapshot(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), apps));
        Files.deleteIfExists(temporary); // left by a daemon killed half-way through a save
        try {
            try (FileChannel out = SafePaths.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                SafePaths.ownerOnly(temporary);
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            if (Files.exists(file)) {
                Files.deleteIfExists(backup);
                Files.createLink(backup, file);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temporary); // a full disk leaves no half-written list behind
            throw e;
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself reaches the disk
        }
    }

    /**
     * The saved list; if the file is missing or unreadable, the backup, with a warning naming the
     * problem. Throws when neither can be read, with a message saying what to do.
     */
    Loaded load() throws IOException {
        String problem;
        try {
            Snapshot s = read(file);
            return new Loaded(s.apps(), s.savedAt(), null);
        } catch (NoSuchFileException e) {
            problem = file + " does not exist";
        } catch (IOException | ProtocolException e) {
            problem = file + " is unreadable (" + e.getMessage() + ")";
        }
        try {
            Snapshot s = read(backup);
            return new Loaded(s.apps(), s.savedAt(), problem + ": using the backup " + backup.getFileName() + " saved at " + s.savedAt());
        } catch (NoSuchFileException e) {
            throw new IOException(problem.endsWith("does not exist")
                    ? "no saved apps in " + file.getParent() + ": start apps, then 'cluster save' (the supervisor also saves on every change)"
                    : problem + ", and there is no backup: start the apps again");
        } catch (IOException | ProtocolException e) {
            throw new IOException(problem + ", and so is the backup (" + e.getMessage() + "): start the apps again");
        }
    }

    private static Snapshot read(Path path) throws IOException {
        byte[] bytes;
        try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(SafePaths.open(path, StandardOpenOption.READ))) {
            bytes = in.readAllBytes();
        }
        Snapshot s = Wire.decode(bytes, Snapshot.class);
        if (s.apps() == null) {
            throw new ProtocolException("no app list in it");
        }
        return s;
    }

    /** True when nothing was ever saved in {@code dir}: neither the list nor its backup exists. */
    public static boolean noneSaved(Path dir) {
        SavedApps list = new SavedApps(dir);
        return Files.notExists(list.file, LinkOption.NOFOLLOW_LINKS)
                && Files.notExists(list.backup, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * For the CLI when no supervisor runs: "N saved app(s) (a, b), saved at T", or null when none
     * are saved (or the list cannot be read: {@code resurrect} says why).
     */
    public static String summary(Path dir) {
        return summary(new SavedApps(dir));
    }

    private static String summary(SavedApps list) {
        try {
            Loaded saved = list.load();
            if (saved.apps().isEmpty()) {
                return null;
            }
            return saved.apps().size() + " saved app(s) (" + String.join(", ", saved.apps().stream().map(AppSpec::name).toList())
                    + "), saved at " + saved.savedAt();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The answer to a change of the list. One that runs but could not be saved ({@code unsaved}:
     * why) is an error (the CLI exits 1), since a supervisor that died now would come back without
     * it; one made while the list is held says so in its details (the CLI prints them on stderr).
     */
    Response answer(Response answer, String unsaved) {
        if (unsaved != null) {
            return Response.error(answer.message() + ", but " + unsaved + ": the change runs now, but after a "
                    + "restart of the supervisor 'cluster resurrect' would bring back the list as last saved, without it; make room, then run "
                    + "'cluster save'");
        }
        return answer.withNote(held);
    }

    /** {@code cluster save}: the list now, and the answer to the user. */
    Response saveNow(List<AppSpec> apps) {
        try {
            save(apps);
            held = null;
            return Response.ok("saved " + apps.size() + " app(s) to " + file);
        } catch (IOException e) {
            return Response.error("cannot save the app list to " + file + ": " + e.getMessage() + "; check the disk and "
                    + file.getParent() + "'s permissions");
        }
    }

    /** After a change of the list: why it could not be saved (also logged), or null; nothing is written while the list is held. */
    String saveQuietly(List<AppSpec> apps) {
        if (held != null) {
            return null;
        }
        try {
            save(apps);
            return null;
        } catch (IOException e) {
            log.warn("could not save the app list to {}: {}", file, e.toString());
            return "the app list could not be saved to " + file + " (" + (e.getMessage() == null ? e.toString() : e.getMessage()) + ")";
        }
    }

    /**
     * {@code cluster resurrect}: every saved app not running now is started (through {@code start});
     * the answer lists them all, and why any did not start. Once all have started, the list is no
     * longer held and is saved with what runs; if any failed, it stays held, so it still has them.
     *
     * @param running the apps running now (more once each has started)
     * @param listed  the worker table with a message, for a success
     */
    void resurrect(Supplier<List<AppSpec>> running, BiConsumer<AppSpec, Consumer<Response>> start, Function<String, Response> listed,
                   Executor loop, Consumer<Response> reply) {
        Loaded loaded;
        try {
            loaded = load();
        } catch (IOException e) {
            reply.accept(Response.error(e.getMessage()));
            return;
        }
        List<String> notes = new ArrayList<>();
        if (loaded.warning() != null) {
            log.warn("resurrect: {}", loaded.warning());
            notes.add(loaded.warning());
        }
        Map<String, CompletableFuture<Response>> started = new LinkedHashMap<>(); // by app name, in the saved order
        Set<String> already = running.get().stream().map(AppSpec::name).collect(Collectors.toSet());
        for (AppSpec spec : loaded.apps()) {
            if (already.contains(spec.name())) {
                notes.add(spec.name() + " is already running: left as it is");
                continue;
            }
            CompletableFuture<Response> answer = new CompletableFuture<>();
            start.accept(spec, answer::complete);
            started.put(spec.name(), answer);
        }
        CompletableFuture.allOf(started.values().toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
            List<String> failures = new ArrayList<>();
            started.forEach((name, answer) -> {
                Response response = answer.join();
                if (!response.ok()) { // each named by its app, unless it names a worker of it already
                    failures.add(response.error().startsWith(name + ":") ? response.error() : name + ": " + response.error());
                }
            });
            notes.addAll(failures);
            if (failures.isEmpty()) {
                held = null;
                String unsaved = saveQuietly(running.get());
                if (unsaved != null) {
                    notes.add(unsaved + ": make room, then run 'cluster save'");
                }
            } else if (held != null) {
                notes.add(file.getFileName() + " still holds every saved app, as it was: 'cluster resurrect' again once they can start, "
                        + "or 'cluster save' to keep only what runs");
            }
            String summary = "resurrected " + (started.size() - failures.size()) + " of " + loaded.apps().size()
                    + " app(s) saved at " + loaded.savedAt();
            reply.accept(failures.isEmpty()
                    ? listed.apply(summary + (notes.isEmpty() ? "" : "\n" + String.join("\n", notes)))
                    : Response.error(summary + "; " + failures.size() + " failed", notes));
        }, loop);
    }
}
