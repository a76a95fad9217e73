package dev.cluster.worker;

import dev.cluster.logs.LogFiles;
import dev.cluster.protocol.AppSpec;
import dev.cluster.sockets.NativeSockets;
import dev.cluster.view.Untrusted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Makes one start-up archive for the {@link StartCache}: (a Spring Boot fat jar) its extraction, then
 * the training start, then (AppCDS) the dump of the classes it loaded; keeps what was made under the
 * archive's name and prunes the app's older ones. Each step is a process whose exit is handled on
 * the supervisor's loop, bounded by {@value #TIMEOUT_MS} ms.
 */
final class ArchiveMaker {
    private static final Logger log = LoggerFactory.getLogger(ArchiveMaker.class);
    static final int KEPT_PER_APP = 2;
    private static final long TIMEOUT_MS = 120_000;
    /** A line of the JVM's unified logging at level error, its message the group: {@code [2.375s][error  ][aot] message}. */
    private static final Pattern JVM_ERROR = Pattern.compile("(?:\\[[^\\]]*\\])*?\\[error *\\](?:\\[[^\\]]*\\])* *(.*)");

    /** Starts the processes that make an archive, each writing what it prints (both streams) to a file. */
    interface Trainer {
        /**
         * A training start: the spec's command line with these JVM options; what it prints goes to
         * {@code output} (on JDK 25, the JVM's own words when it cannot write its AOT cache at exit).
         *
         * @param port 0: with the agent, taking its socket from the supervisor (handoff); else without
         *             the agent or the worker socket, told to listen on this port
         */
        Process start(AppSpec spec, List<String> jvmOptions, int port, Path output) throws IOException;

        /**
         * A JVM that archives the classes in {@code classList} into {@code archive}, for the class path
         * the spec's workers run with; what it prints goes to {@code output}.
         */
        Process dump(AppSpec spec, Path classList, Path archive, Path output) throws IOException;

        /** Spring Boot's own extraction of the spec's jar into {@code destination} ({@link ExtractedJar}); what it prints goes to {@code output}. */
        Process extract(AppSpec spec, Path destination, Path output) throws IOException;
    }

    private final Path dir;
    private final Loop loop;
    private final Trainer trainer;
    /** Told the key whose making ended: null if its archive was kept, else why none could be made (logged here). */
    private final BiConsumer<String, String> onDone;
    /** Training starts by pid (also read by {@link #close} as the supervisor exits, off its loop). */
    private final Map<Long, TrainingStart> training = new ConcurrentHashMap<>();

    ArchiveMaker(Path dir, Loop loop, Trainer trainer, BiConsumer<String, String> onDone) {
        this.dir = dir;
        this.loop = loop;
        this.trainer = trainer;
        this.onDone = onDone;
    }

    /** Set as the supervisor exits: a making it ends then did not fail, and is not warned of. */
    private volatile boolean closing;

    /** The supervisor exits: its training starts go with it, even one whose shutdown hook would never end. */
    void close() {
        closing = true;
        training.values().forEach(TrainingStart::kill);
    }

    /** The training start of this pid, or null. */
    TrainingStart training(long pid) {
        return training.get(pid);
    }

    /**
     * Makes the key's archive: of the jar's extraction if it is a Spring Boot fat jar (extracted
     * first, once per key), else of the jar.
     */
    void make(AppSpec spec, String key, StartCache.Flavor flavor, Path archive) {
        Path jar = Path.of(spec.jar());
        Path extracted = ExtractedJar.of(dir, key, jar);
        if (ExtractedJar.exists(extracted)) {
            startTraining(spec.toBuilder().jar(extracted.toString()).build(), key, flavor, archive);
        } else if (ExtractedJar.extractable(jar)) {
            extract(spec, key, flavor, archive, extracted);
        } else {
            startTraining(spec, key, flavor, archive);
        }
    }

    /** Extracts the fat jar into its place beside the archive, then trains on it (on the fat jar if that failed). */
    private void extract(AppSpec spec, String key, StartCache.Flavor flavor, Path archive, Path extracted) {
        Path partial = extracted.getParent().resolveSibling(extracted.getParent().getFileName() + ".partial");
        try {
            Files.createDirectories(dir);
            ExtractedJar.delete(partial);
            Path output = output(key);
            Process extraction = trainer.extract(spec, partial, output);
            loop.schedule(extraction::destroyForcibly, TIMEOUT_MS);
            extraction.onExit().thenRunAsync(() -> {
                String said = said(output);
                try {
                    if (extraction.exitValue() == 0 && ExtractedJar.exists(partial.resolve(extracted.getFileName()))) {
                        Files.move(partial, extracted.getParent(), StandardCopyOption.ATOMIC_MOVE);
                        log.info("{}: a Spring Boot jar: extracted into {}, which its start-up archive is made of and its workers run from",
                                spec.name(), extracted.getParent().getFileName());
                        startTraining(spec.toBuilder().jar(extracted.toString()).build(), key, flavor, archive);
                        return;
                    }
                    log.warn("{}: extracting the Spring Boot jar exited with code {}{}: its archive is made of the jar as it is",
                            spec.name(), extraction.exitValue(), said);
                    ExtractedJar.delete(partial);
                } catch (IOException e) {
                    log.warn("{}: cannot keep the extracted jar: {}", spec.name(), e.getMessage());
                }
                startTraining(spec, key, flavor, archive);
            }, loop);
        } catch (IOException e) {
            log.warn("{}: cannot extract the Spring Boot jar: {}: its archive is made of the jar as it is", spec.name(), e.getMessage());
            startTraining(spec, key, flavor, archive);
        }
    }

    /** A training start of the app, or of its extraction (the spec's jar then is that). */
    private void startTraining(AppSpec spec, String key, StartCache.Flavor flavor, Path archive) {
        try {
            Files.createDirectories(dir);
            Path recorded = dir.resolve(key + ".training" + flavor.recorded);
            Files.deleteIfExists(recorded);
            // With the agent whenever it can be (taking a socket on a port of its own from the supervisor):
            // then what the agent and its telemetry load is archived too.
            boolean withAgent = spec.agent() && NativeSockets.available();
            Path output = output(key);
            TrainingStart t = TrainingStart.begin(trainer, spec, flavor.record + recorded, !withAgent, output, loop, TIMEOUT_MS);
            training.put(t.pid(), t);
            log.info("{}: no start-up archive for this version yet: a training start (pid {}) is making one", spec.name(), t.pid());
            t.exited().thenAcceptAsync(ready -> trained(t, spec, key, flavor, recorded, archive, ready, said(output)), loop);
        } catch (IOException | RuntimeException e) {
            failed(spec, key, "cannot start a training start for its start-up archive: " + e.getMessage());
        }
    }

    /** The training start exited, having said {@code said} ({@link #said}): keep the archive it wrote, or (CDS) dump one from its class list. */
    private void trained(TrainingStart t, AppSpec spec, String key, StartCache.Flavor flavor, Path recorded, Path archive, boolean becameReady,
                         String said) {
        training.remove(t.pid());
        if (!becameReady || !nonEmpty(recorded)) {
            deleteQuietly(recorded);
            if (closing) {
                log.info("{}: the training start (pid {}) ended with the supervisor: the next one makes the start-up archive", spec.name(), t.pid());
                onDone.accept(key, "the supervisor exited before it was made");
                return;
            }
            failed(spec, key, "the training start (pid " + t.pid() + ") " + (becameReady ? "exited"
                    : "was not ready within " + TIMEOUT_MS / 1000 + " s, or exited before it was,") + " without writing a start-up archive" + said);
            return;
        }
        if (flavor == StartCache.Flavor.AOT) {
            keep(spec, key, recorded, archive, t.tookMs());
            return;
        }
        Path dumped = dir.resolve(key + ".training" + flavor.suffix);
        try {
            deleteQuietly(dumped);
            Path output = output(key);
            Process dump = trainer.dump(spec, recorded, dumped, output);
            loop.schedule(dump::destroyForcibly, TIMEOUT_MS);
            dump.onExit().thenRunAsync(() -> {
                deleteQuietly(recorded);
                String dumpSaid = said(output);
                if (dump.exitValue() == 0 && nonEmpty(dumped)) {
                    keep(spec, key, dumped, archive, t.tookMs());
                } else {
                    deleteQuietly(dumped);
                    failed(spec, key, "the JVM archiving its classes (-Xshare:dump) exited with code " + dump.exitValue() + dumpSaid);
                }
            }, loop);
        } catch (IOException e) {
            deleteQuietly(recorded);
            failed(spec, key, "cannot start the JVM archiving its classes: " + e.getMessage());
        }
    }

    private void keep(AppSpec spec, String key, Path made, Path archive, long tookMs) {
        try {
            Files.move(made, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("{}: start-up archive {} made in {} ms ({} MB): later workers start from it", spec.name(), archive.getFileName(),
                    tookMs, Files.size(archive) >> 20);
            prune(spec.name(), archive);
            onDone.accept(key, null);
        } catch (IOException e) {
            deleteQuietly(made);
            failed(spec, key, "cannot keep the start-up archive: " + e.getMessage());
        }
    }

    private void failed(AppSpec spec, String key, String why) {
        log.warn("{}: {}: workers start without one ('cluster restart' or 'cluster reload' of the app tries again)", spec.name(), why);
        onDone.accept(key, why);
    }

    /** Where a step's output goes (deleted as its exit is handled), deleted first: the file is made new, never followed. */
    private Path output(String key) throws IOException {
        Path output = dir.resolve(key + ".training.out");
        Files.deleteIfExists(output);
        return output;
    }

    /**
     * What a step that failed said, for its one line in the log: ": " and the first three of the
     * JVM's error lines (the cause comes first: "An error has occurred while writing the shared
     * archive file. / Unable to write to AOT configuration file.", then "unrecoverable error"), or
     * without those its last lines that are not the JVM's warnings or information (the app's own, as
     * it failed), escaped and bounded; empty if none. Deletes the file.
     */
    static String said(Path output) {
        List<String> lines = LogFiles.tail(output, 0, 40).stream()
                .filter(line -> !line.isBlank() && !line.contains("][warning") && !line.contains("][info"))
                .toList();
        deleteQuietly(output);
        List<String> errors = lines.stream().map(JVM_ERROR::matcher).filter(Matcher::matches).map(m -> m.group(1)).limit(3).toList();
        List<String> shown = !errors.isEmpty() ? errors : lines.subList(Math.max(0, lines.size() - 3), lines.size());
        return shown.isEmpty() ? "" : ": " + Untrusted.escape(String.join(" / ", shown), 300);
    }

    private static boolean nonEmpty(Path file) {
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.getMessage());
        }
    }

    /** Keeps the {@value #KEPT_PER_APP} newest archives of the app. */
    private void prune(String app, Path keep) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> archives = new ArrayList<>(files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(app + "@") && !n.contains(".training") && (n.endsWith(".jsa") || n.endsWith(".aot"));
            }).toList());
            archives.sort(Comparator.comparingLong((Path f) -> f.toFile().lastModified()).reversed());
            for (Path old : archives.subList(Math.min(KEPT_PER_APP, archives.size()), archives.size())) {
                if (!old.equals(keep)) {
                    Files.deleteIfExists(old);
                    String name = old.getFileName().toString();
                    ExtractedJar.delete(old.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ExtractedJar.SUFFIX));
                    log.info("{}: old start-up archive {} deleted", app, old.getFileName());
                }
            }
        } catch (IOException e) {
            log.warn("cannot prune {}: {}", dir, e.getMessage());
        }
    }
}
