package dev.cluster.worker;

import dev.cluster.config.JavaRelease;
import dev.cluster.home.ContentHash;
import dev.cluster.protocol.AppSpec;
import dev.cluster.sockets.NativeSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Start-up archives ({@code --start-cache on}, the default): a jar app's workers start from an
 * archive of what its JVM loaded the last time: the app's classes (AppCDS, JDK 17 to 24) or, from
 * JDK 25, an AOT cache that also keeps them linked and the methods' profiles (JEP 483/514/515). One
 * archive per key, the jar's content with the whole java command line (the JDK and its exact build,
 * every option but the share's: {@link Share#archiveTrait}), kept in {@code $CLUSTER_HOME/cache}
 * as {@code <app>@<key>.jsa} or {@code .aot}; the two newest per app are kept.
 * <p>
 * How an archive is made ({@link ArchiveMaker}): a training start. When a worker whose key has no
 * archive has become ready (not before: it would slow that start), the supervisor starts, once,
 * the same command line with the JVM's record option. It runs with the agent, as the workers do, and takes its socket from
 * the supervisor like a worker in handoff mode: one bound to an ephemeral loopback port, so it never
 * sees a real connection (and one more for its bind of the app's --shared-port, if any). Once it
 * listens there, it is sent {@value TrainingStart#EXERCISE_REQUESTS}
 * {@code GET /} requests (what serving loads is what the next start needs), then asked to stop, and
 * its JVM writes what it recorded as it exits. Not the first worker's exit (the JDK's own
 * auto-create, 19+, also writes only at exit): a worker may run for weeks, and a deploy wants its
 * second replacement to start fast already.
 * <ul>
 * <li>AOT cache: the training start writes the cache itself. The JDK refuses a cache made without
 *     the agent the workers run with, so it needs the agent (and its native library).</li>
 * <li>AppCDS: JDK 17 will not write a dynamic archive ({@code -XX:ArchiveClassesAtExit}) with an
 *     agent loaded, short of a diagnostic flag that makes every worker print a warning; and one
 *     made without the agent lacks what the agent's telemetry loads (JMX and the rest: half of what
 *     a worker loads). So the training start writes the list of the classes it loaded
 *     ({@code -XX:DumpLoadedClassList}), and a second JVM archives them ({@code -Xshare:dump}) for
 *     the workers' class path, the jar (the agent's own classes, from the jar {@code -javaagent}
 *     appends, cannot be in it: see {@code OsProcesses}). Without the agent (or its native
 *     library) the training start is given a free port under every name of {@code Env.PORT_NAMES}
 *     (ours and the frameworks'): an app that binds a fixed port of its own fails to start there,
 *     harmlessly, and gets no archive.</li>
 * <li>A Spring Boot fat jar is extracted first, as Spring Boot advises ({@link ExtractedJar}): the
 *     archive is made of the extraction, and the workers that start from the archive run the
 *     extracted jar (in the archive's place, {@code <app>@<key>.app/}).</li>
 * </ul>
 * <p>
 * A JVM that cannot use an archive (damaged, made by another build) warns at most and starts
 * without it. So once a worker launched with one is ready (its JVM maps archives as it starts, long
 * before), its memory map ({@code /proc/PID/maps}) is checked for the archive: a refused one is said once in the log,
 * deleted and made again; refused twice, the key is given up on until the supervisor restarts.
 * Everything here runs on the supervisor's loop.
 */
public final class StartCache {
    private static final Logger log = LoggerFactory.getLogger(StartCache.class);

    /** How a JDK records an archive and starts from one. */
    enum Flavor {
        /**
         * AppCDS, a static archive: JDK 17 to 24. The training start writes the list of the classes it
         * loaded, and a second JVM ({@code -Xshare:dump}) archives them for the workers' class path.
         */
        CDS("-XX:DumpLoadedClassList=", ".classlist", "-XX:SharedArchiveFile=", ".jsa", false),
        /** The AOT cache, recorded in one training run: JDK 25 and later. Made with the agent. */
        AOT("-XX:AOTCacheOutput=", ".aot", "-XX:AOTCache=", ".aot", true);

        final String record;
        /** What the training start writes: the archive itself, or (CDS) the class list it is dumped from. */
        final String recorded;
        final String use;
        final String suffix;
        final boolean needsAgent;

        Flavor(String record, String recorded, String use, String suffix, boolean needsAgent) {
            this.record = record;
            this.recorded = recorded;
            this.use = use;
            this.suffix = suffix;
            this.needsAgent = needsAgent;
        }

        static Flavor of(int javaVersion) {
            return javaVersion >= 25 ? AOT : javaVersion >= 17 ? CDS : null;
        }
    }

    /**
     * What one launch is given: the JVM options (none, or the archive's), the jar to run instead of
     * the app's (its extraction, which the archive was made of; else null) and, for {@code describe},
     * what they mean.
     */
    public record Use(List<String> options, Path archive, Path jar, String note) {
        static final Use NONE = new Use(List.of(), null, null, null);

        private static Use none(String why) {
            return new Use(List.of(), null, null, why);
        }
    }

    private final Path dir;
    private final ArchiveMaker maker;
    /** Keys whose archive is being made (extraction, training start, dump). */
    private final Set<String> trainingKeys = new HashSet<>();
    /**
     * Apps deleted while an archive of theirs was being made: what it makes is deleted when done,
     * unless the app is started again first (then it is the new app's).
     */
    private final Set<String> forgotten = new HashSet<>();
    /** Training starts to begin once a worker of their version is ready, by key. */
    private final Map<String, Runnable> pending = new HashMap<>();
    /**
     * Keys whose archive failed to be made, or was refused twice: not tried again at every start
     * (each try is a JVM's start), but only when the operator restarts or reloads the app
     * ({@link #tryAgain}), having perhaps made room on a full disk.
     */
    private final Map<String, String> givenUp = new HashMap<>();
    private final Set<String> refusedOnce = new HashSet<>();
    /** Content hashes of jars: a jar is hashed once per version, not at every start. */
    private final PerJarVersion<String> jarHashes = new PerJarVersion<>(ContentHash::of);

    StartCache(Path dir, Loop loop, ArchiveMaker.Trainer trainer) {
        this.dir = dir;
        this.maker = new ArchiveMaker(dir, loop, trainer, this::made);
        deleteLeftovers();
    }

    /**
     * What the making of an archive leaves while under way (a training start's class list or
     * recording, a dump, an extraction not yet complete), left by a supervisor that stopped
     * meanwhile (killed, a reboot): none is under way as this one starts (one supervisor per home),
     * and nothing else would ever delete them.
     */
    private void deleteLeftovers() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().contains(".training") || f.getFileName().toString().endsWith(".partial"))
                    .toList()) {
                if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    ExtractedJar.delete(f);
                } else {
                    Files.deleteIfExists(f);
                }
                log.info("deleted {}, left by an archive's making that a supervisor before this one did not finish", f.getFileName());
            }
        } catch (NoSuchFileException e) {
            // no cache yet
        } catch (IOException e) {
            log.warn("cannot list {} for what an earlier supervisor left: {}", dir, e.getMessage());
        }
    }

    /** The making of the key's archive ended: {@code why} null if it was kept, else why none could be made. */
    private void made(String key, String why) {
        trainingKeys.remove(key); // a later launch without the archive (pruned, a rollback to this version) trains again
        String app = key.substring(0, key.indexOf('@'));
        if (forgotten.contains(app)) {
            forget(app); // nothing would ever use it, nor prune it
        } else if (why != null) {
            givenUp.put(key, why);
        }
    }

    /**
     * For a launch of a jar app with this java command line ({@code command}: java, its options,
     * {@code -jar} and the jar): the archive's option if its key has one; else none, and a training
     * start is begun if none runs and the key was not given up on.
     */
    public Use forLaunch(AppSpec spec, List<String> command) {
        forgotten.remove(spec.name()); // started again: an archive being made for its name is its own
        if (!AppSpec.ON.equals(spec.startCache()) || spec.jar() == null) {
            return Use.NONE;
        }
        String own = AppJvmOptions.archiveChoice(AppJvmOptions.of(spec));
        if (own != null) {
            // Ours beside it would be refused, or would replace the operator's: the JVM takes one.
            return Use.none("none: the app's own JVM options choose (" + own + ")");
        }
        JavaRelease jdk = release(command.get(0));
        Flavor flavor = Flavor.of(jdk.feature());
        if (flavor == null) {
            return Use.none("none: this JDK has no start-up archives (JDK 17 or later has)");
        }
        String key;
        try {
            key = key(spec, command, jdk);
        } catch (IOException e) {
            return Use.none("none: " + e.getMessage());
        }
        Path archive = dir.resolve(key + flavor.suffix);
        if (Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
            Path extracted = ExtractedJar.of(dir, key, Path.of(spec.jar()));
            return ExtractedJar.exists(extracted)
                    ? new Use(List.of(flavor.use + archive), archive, extracted, "started from " + archive.getFileName()
                            + ", running the jar as extracted into " + extracted.getParent().getFileName())
                    : new Use(List.of(flavor.use + archive), archive, null, "started from " + archive.getFileName());
        }
        if (givenUp.containsKey(key)) {
            return Use.none("none: making one failed (" + givenUp.get(key) + "); 'cluster restart' or 'cluster reload' of the app "
                    + "tries again");
        }
        if (flavor.needsAgent && !spec.agent()) {
            return Use.none("none: making an AOT cache needs the agent (--no-agent is set)");
        }
        if (flavor.needsAgent && !NativeSockets.available()) {
            return Use.none("none: making an AOT cache needs the native library (built without gcc)");
        }
        if (!trainingKeys.contains(key)) {
            pending.putIfAbsent(key, () -> make(spec, key, flavor, archive));
        }
        return Use.none("none yet when it launched: a training start makes one once a worker of this version is ready");
    }

    /** The operator restarts or reloads the app: archives given up on are tried again at its next launch. */
    public void tryAgain(String app) {
        givenUp.keySet().removeIf(key -> key.startsWith(app + "@"));
        refusedOnce.removeIf(key -> key.startsWith(app + "@"));
    }

    /**
     * The app was deleted: its archives and extractions go too, so that the cache holds only what
     * the apps that exist can use (a later start of the same jar makes one again, in the background).
     * What is being made right now, and the extraction it runs from, go when it is done
     * ({@link #made}), unless the app is started again meanwhile.
     */
    public void forget(String app) {
        tryAgain(app);
        pending.keySet().removeIf(key -> key.startsWith(app + "@"));
        forgotten.remove(app);
        if (trainingKeys.stream().anyMatch(key -> key.startsWith(app + "@"))) {
            forgotten.add(app);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> doomed = files.filter(f -> f.getFileName().toString().startsWith(app + "@"))
                    .filter(f -> !f.getFileName().toString().contains(".training")) // a training start's, in use
                    .filter(f -> !trainingKeys.contains(keyOf(f)))
                    .toList();
            for (Path f : doomed) {
                if (f.getFileName().toString().endsWith(ExtractedJar.SUFFIX)) {
                    ExtractedJar.delete(f);
                } else {
                    Files.deleteIfExists(f);
                }
            }
            if (!doomed.isEmpty()) {
                log.info("{}: its start-up archives deleted with it: {}", app, doomed.stream().map(Path::getFileName).toList());
            }
        } catch (NoSuchFileException e) {
            // no cache yet
        } catch (IOException e) {
            log.warn("{}: cannot delete its start-up archives in {}: {}", app, dir, e.getMessage());
        }
    }

    /** The key a file of the cache belongs to: its name up to the first dot after the {@code @} (app names have no {@code @}). */
    private static String keyOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.', name.indexOf('@'));
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** A worker of the app is ready: the training start its version waits for begins now, not slowing that worker's own start. */
    public void workerReady(AppSpec spec, List<String> command) {
        if (pending.isEmpty()) {
            return;
        }
        try {
            Runnable training = pending.remove(key(spec, command, release(command.get(0))));
            if (training != null) {
                training.run();
            }
        } catch (IOException e) {
            // the jar is gone: its next launch says so
        }
    }

    /**
     * A worker launched for {@code spec} is ready: whether its JVM mapped the archive it was given. Not a fixed time after
     * the launch: on a busy machine a JVM had not got that far in a second, and a good archive was deleted and made again.
     * A refused archive is deleted and (the first time) made again at once.
     */
    void check(AppSpec spec, Use use, long pid, java.util.function.Consumer<String> note) {
        if (use.archive() == null) {
            return;
        }
        String mapped;
        try {
            mapped = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
        } catch (IOException e) {
            return; // exited meanwhile
        }
        if (mapped.contains(use.archive().toString()) || ProcessGroups.dyingOrGone(pid)) {
            // Exiting: its memory is unmapped first (flagged exiting before that), so its map says nothing of the archive (seen
            // in a fuzz: a worker killed as it got ready had a good archive deleted and made again).
            return;
        }
        String name = use.archive().getFileName().toString();
        String key = name.substring(0, name.lastIndexOf('.'));
        if (trainingKeys.contains(key) || madeAfter(use.archive(), pid)) {
            // Refused by another worker too, launched from the same file: that one is deleted and made again already.
            note.accept("refused by the JVM: made again for later workers");
            return;
        }
        boolean again = refusedOnce.add(key);
        log.warn("pid {} did not use the start-up archive {} (damaged, or not this JDK's): {}", pid, name,
                again ? "it is deleted and made again" : "it is deleted, and made again only when the app is restarted or reloaded");
        note.accept("refused by the JVM: " + (again ? "being made again" : "given up on"));
        try {
            Files.deleteIfExists(use.archive());
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", use.archive(), e.getMessage());
        }
        if (again) {
            pending.remove(key);
            make(spec, key, name.endsWith(Flavor.AOT.suffix) ? Flavor.AOT : Flavor.CDS, use.archive());
        } else {
            givenUp.put(key, "the JVM refused it twice");
        }
    }

    /** Begins making the key's archive, marked as under way until {@link #made}: a launch meanwhile begins no second making. */
    private void make(AppSpec spec, String key, Flavor flavor, Path archive) {
        trainingKeys.add(key);
        maker.make(spec, key, flavor, archive);
    }

    /**
     * Whether the archive now at that path was made after process {@code pid} started, so it is not the file that process
     * refused. With a margin: a process's start is known to a second (the boot time's), and making an archive takes longer.
     */
    private static boolean madeAfter(Path archive, long pid) {
        try {
            Optional<Instant> started = ProcessHandle.of(pid).flatMap(p -> p.info().startInstant());
            return started.isPresent()
                    && Files.getLastModifiedTime(archive, LinkOption.NOFOLLOW_LINKS).toInstant().isAfter(started.get().plusSeconds(2));
        } catch (IOException e) {
            return false; // none there now
        }
    }

    /** The supervisor exits: no training start outlives it. */
    public void close() {
        maker.close();
    }

    /** Whether {@code pid} is a training start (its messages on the worker socket are its own). */
    public boolean isTraining(long pid) {
        return maker.training(pid) != null;
    }

    /**
     * The listening socket a training start asks for, in place of its bind of {@code port} (the app's,
     * its --shared-port, or null: the app's): on an ephemeral loopback port, never the app's.
     */
    public int listener(long pid, Boolean ipv6, Integer port) throws IOException {
        TrainingStart t = maker.training(pid);
        if (t == null) {
            throw new IOException("pid " + pid + " is not a training start");
        }
        return t.listener(ipv6, port);
    }

    /** A training start that uses the library said it is ready. */
    public void ready(long pid) {
        TrainingStart t = maker.training(pid);
        if (t != null) {
            t.ready();
        }
    }

    /**
     * The key, {@code <app>@<hash>}: the app (two apps of one jar and command line each get their
     * own archive, made by their own training start) and a hash of the jar's content and of the
     * command line given (java, its exact build, every option but the share's, which the caller leaves out).
     */
    private String key(AppSpec spec, List<String> command, JavaRelease jdk) throws IOException {
        String jarHash = jarHashes.get(Path.of(spec.jar()));
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        sha.update((jarHash + "\n" + jdk.build() + "\n" + String.join("\n", command)).getBytes(StandardCharsets.UTF_8));
        return spec.name() + "@" + HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    /** The JDK a java executable belongs to; unknown (feature 0) for one not in a JDK's layout, unless it is the supervisor's own java. */
    private static JavaRelease release(String java) {
        return JavaRelease.of(Path.of(java)).orElseGet(() -> java.equals(ProcessHandle.current().info().command().orElse(""))
                ? JavaRelease.own() : new JavaRelease(0, "unknown"));
    }
}
