package dev.cluster.worker;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which archive a launch gets and when a training start begins, with a stand-in process for the training. */
class StartCacheTest {
    final FakeLoop loop = new FakeLoop();
    /** The apps a training start was begun for; the processes, to stop after the test. */
    final List<String> trained = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();
    /** Each training start's record option, which names the file it writes: {@code <cache>/<key>.training…}. */
    final List<String> recordOptions = new ArrayList<>();
    /** Training starts that fail to start, as on a full disk, before one is started. */
    int failingStarts;
    /** Training starts that ignore SIGTERM, as an app whose shutdown hook never returns. */
    boolean trainingIgnoresTerm;
    /** What the training starts print. */
    String trainingSays = "";
    @TempDir
    Path dir;

    @AfterEach
    void stopTrainings() {
        processes.forEach(Process::destroyForcibly);
    }

    StartCache cache() {
        return new StartCache(dir.resolve("cache"), loop, new ArchiveMaker.Trainer() {
            @Override
            public Process start(AppSpec spec, List<String> jvmOptions, int port, Path output) throws IOException {
                if (failingStarts > 0) {
                    failingStarts--;
                    throw new IOException("No space left on device");
                }
                trained.add(spec.name());
                recordOptions.add(jvmOptions.get(0));
                Files.writeString(output, trainingSays);
                if (trainingIgnoresTerm) {
                    Process p = new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 60").start(); // ignored stays ignored across exec
                    processes.add(p);
                    return p;
                }
                return sleeper();
            }

            @Override
            public Process dump(AppSpec spec, Path classList, Path archive, Path output) throws IOException {
                return sleeper();
            }

            @Override
            public Process extract(AppSpec spec, Path destination, Path output) throws IOException {
                return sleeper();
            }
        });
    }

    Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "60").start();
        processes.add(p);
        return p;
    }

    /** The training starts end (they fail, not ready: killed), and the loop runs until what their end does is done. */
    void endTrainings(java.util.function.BooleanSupplier done) throws InterruptedException {
        processes.forEach(p -> p.destroyForcibly().onExit().join());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            loop.awaitDueTask(1_000); // the exit's task comes from the JDK's process reaper thread
            loop.runDue();
        }
        assertTrue(done.getAsBoolean(), "the training's end was handled");
    }

    /** A launch of the app without an archive, then its worker ready: the training start begins. */
    static void launchedAndReady(StartCache cache, AppSpec spec, List<String> command) {
        cache.forLaunch(spec, command);
        cache.workerReady(spec, command);
    }

    /** The key of the archive the newest training start makes, from its record option. */
    String trainingKey() {
        String option = recordOptions.get(recordOptions.size() - 1);
        String file = Path.of(option.substring(option.indexOf('=') + 1)).getFileName().toString();
        return file.substring(0, file.indexOf(".training"));
    }

    AppSpec app(String name, Path jar) {
        return AppSpec.builder().name(name).cwd("/").command(List.of("java", "-jar", jar.toString())).jar(jar.toString()).build();
    }

    /** The command line of a jar app on this JVM's java, as the archive's key is made of it. */
    static List<String> javaJar(Path jar) {
        return List.of(ProcessHandle.current().info().command().orElseThrow(), "-jar", jar.toString());
    }

    @Test
    void twoAppsOfOneJarAndCommandLineEachGetTheirOwnTraining() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        AppSpec b = app("b", jar);
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"));
        assertTrue(cache.forLaunch(b, command).note().startsWith("none yet"));
        assertTrue(trained.isEmpty(), "not before a worker is ready: it would slow that start");
        cache.workerReady(a, command);
        cache.workerReady(b, command);
        assertEquals(List.of("a", "b"), trained);
        cache.workerReady(a, command);
        assertEquals(2, trained.size(), "one training per app and version");
    }

    /** --java /usr/bin/java: a link (through /etc/alternatives) to a JDK's bin/java, whose release file says what it is. */
    @Test
    void aJavaNamedThroughALinkIsItsJdkAndAnUpdateInPlaceIsTrainedAgain() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        Path home = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Files.writeString(home.resolve("release"), "JAVA_RUNTIME_VERSION=\"17.0.15+6-Debian-1deb12u1\"\nJAVA_VERSION=\"17.0.15\"\n");
        Path link = Files.createSymbolicLink(Files.createDirectory(dir.resolve("usr-bin")).resolve("java"), Files.createFile(home.resolve("bin/java")));
        StartCache cache = cache();
        List<String> command = List.of(link.toString(), "-jar", jar.toString());
        AppSpec a = app("a", jar);
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"), "a JDK 17: it has archives");
        cache.workerReady(a, command);
        assertEquals(List.of("a"), trained);

        Files.writeString(home.resolve("release"), "JAVA_RUNTIME_VERSION=\"17.0.16+8-Debian-1deb12u1\"\nJAVA_VERSION=\"17.0.16\"\n");
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"), "the old build's archive is not this one's");
        cache.workerReady(a, command);
        assertEquals(List.of("a", "a"), trained, "the updated JDK gets its own training");
    }

    /** Spring Boot documents its own AppCDS (-XX:SharedArchiveFile=app.jsa): ours beside it would be refused, or replace it. */
    @Test
    void anAppThatChoosesItsOwnArchiveIsLeftToIt() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        for (AppSpec own : List.of(app("a", jar).toBuilder().jvmArgs(List.of("-Xmx1g", "-XX:SharedArchiveFile=app.jsa")).build(),
                app("b", jar).toBuilder().jvmArgs(List.of("-Xshare:off")).build(),
                app("c", jar).toBuilder().env(java.util.Map.of("JAVA_TOOL_OPTIONS", "-XX:AOTCache=app.aot")).build())) {
            assertTrue(cache.forLaunch(own, command).note().startsWith("none: the app's own JVM options choose (-X"), cache.forLaunch(own, command).note());
            cache.workerReady(own, command);
        }
        assertEquals(List.of(), trained, "no training start for any");
        assertTrue(cache.forLaunch(app("d", jar).toBuilder().jvmArgs(List.of("-Xshare:auto")).build(), command).note().startsWith("none yet"),
                "the JVM's default");
    }

    @Test
    void aNewVersionOfTheJarAtTheSamePathIsTrainedAgain() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        launchedAndReady(cache, a, command);
        assertEquals(List.of("a"), trained);

        Files.write(jar, new byte[] {4, 5, 6, 7});
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"), "the old version's archive is not the new one's");
        cache.workerReady(a, command);
        assertEquals(List.of("a", "a"), trained, "the new version gets its own training");
    }

    /** App a's launch from an archive of its key, put in place as a training start would have (one training ran, and failed). */
    private record FromArchive(StartCache cache, AppSpec app, StartCache.Use use, Path archive) {
    }

    private FromArchive launchedFromAnArchive() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        launchedAndReady(cache, a, command);
        String key = trainingKey();
        endTrainings(() -> cache.forLaunch(a, command).note().startsWith("none: making one failed"));
        cache.tryAgain("a");
        Path archive = Files.write(dir.resolve("cache").resolve(key + StartCache.Flavor.of(Runtime.version().feature()).suffix), new byte[] {1});
        StartCache.Use use = cache.forLaunch(a, command);
        assertEquals(archive, use.archive());
        return new FromArchive(cache, a, use, archive);
    }

    /**
     * Two workers launched from one archive their JVM refused, each checked as it gets ready: it is deleted and made again
     * once, not given up on as refused twice (seen with a crash restart and a reload side by side: two training starts).
     */
    @Test
    void anArchiveRefusedByTwoWorkersIsMadeAgainOnce() throws Exception {
        FromArchive launch = launchedFromAnArchive();
        Process first = sleeper();
        Process second = sleeper(); // launched from it, they say: neither maps it
        List<String> notes = new ArrayList<>();
        launch.cache().check(launch.app(), launch.use(), first.pid(), notes::add);
        launch.cache().check(launch.app(), launch.use(), second.pid(), notes::add);
        assertEquals(List.of("a", "a"), trained, "made again once");
        assertEquals(List.of("refused by the JVM: being made again", "refused by the JVM: made again for later workers"), notes);
        assertFalse(Files.exists(launch.archive()), "deleted");
    }

    /** A worker killed as it got ready: its memory map is empty as it exits, which says nothing of the archive (seen in a fuzz). */
    @Test
    void aWorkerExitingAsItIsCheckedDoesNotCondemnItsArchive() throws Exception {
        FromArchive launch = launchedFromAnArchive();
        List<String> notes = new ArrayList<>();
        try (Zombie exiting = new Zombie()) {
            launch.cache().check(launch.app(), launch.use(), exiting.pid(), notes::add);
        }
        assertEquals(List.of(), notes);
        assertEquals(List.of("a"), trained, "not made again");
        assertTrue(Files.exists(launch.archive()), "kept");
    }

    @Test
    void anArchiveThatFailedIsTriedAgainOnlyWhenTheOperatorRestartsTheApp() throws IOException {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        failingStarts = 1;
        launchedAndReady(cache, a, command);
        assertEquals("none: making one failed (cannot start a training start for its start-up archive: No space left on device); "
                + "'cluster restart' or 'cluster reload' of the app tries again", cache.forLaunch(a, command).note(), "not a JVM's start at every launch");
        cache.workerReady(a, command);
        assertTrue(trained.isEmpty());

        cache.tryAgain("ab"); // another app whose name starts alike: its own
        assertTrue(cache.forLaunch(a, command).note().startsWith("none: making one failed"));
        cache.tryAgain("a"); // 'cluster restart a', the disk made room on
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"));
        cache.workerReady(a, command);
        assertEquals(List.of("a"), trained);
    }

    @Test
    void whatAFailedStepSaidIsItsErrorsNotTheJvmsWarningsEscapedAndTheFileIsGone() throws IOException {
        Path output = Files.writeString(dir.resolve("a@1.training.out"), String.join("\n",
                "[0.397s][warning][cds] Preload Warning: Cannot find io/netty/channel/$Proxy3",
                "Error occurred during initialization of VM",
                "Unable to use shared archive.",
                "",
                "An error has occurred while processing the shared archive file.",
                "Unable to write to shared archive file.\u001b[2J",
                "[0.625s][warning][cds] Skipping jdk/jfr/Event: JFR event class", ""));
        assertEquals(": Unable to use shared archive. / An error has occurred while processing the shared archive file. / "
                + "Unable to write to shared archive file.\\x1b[2J", ArchiveMaker.said(output));
        assertTrue(Files.notExists(output));
        assertEquals("", ArchiveMaker.said(output), "nothing said, or no file: nothing added");
    }

    @Test
    void theJvmsErrorsComeBeforeItsGivingUpAndItsLevelsAndTagsGo() throws IOException {
        Path output = Files.writeString(dir.resolve("a@1.training.out"), String.join("\n",
                "worker 0 (pid 10484) serving http://127.0.0.1:40453 on epoll",
                "[1.440s][warning][aot] Skipping io/netty/util/internal/logging/Log4JLogger: Failed verification",
                "[1.5s][info   ][aot] Assembling",
                "[2.375s][error  ][aot] An error has occurred while writing the shared archive file.",
                "[2.375s][error  ][aot] Unable to write to AOT configuration file.",
                "[2.375s][error  ][aot] Unable to seek to position 22175743",
                "[2.375s][error  ][aot] unrecoverable error",
                "Error occurred during initialization of VM", "Unable to use AOT cache.", ""));
        assertEquals(": An error has occurred while writing the shared archive file. / Unable to write to AOT configuration file. / "
                + "Unable to seek to position 22175743", ArchiveMaker.said(output));
    }

    @Test
    void aTrainingStartThatFailsSaysWhatItPrinted() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        trainingSays = "Exception in thread \"main\" java.net.BindException: Address already in use\n";
        launchedAndReady(cache, a, command);
        endTrainings(() -> cache.forLaunch(a, command).note().startsWith("none: making one failed"));
        assertTrue(cache.forLaunch(a, command).note().contains("without writing a start-up archive: Exception in thread \"main\" "
                + "java.net.BindException: Address already in use"), cache.forLaunch(a, command).note());
        try (var left = Files.list(dir.resolve("cache"))) {
            assertEquals(List.of(), left.toList(), "its output is not kept");
        }
    }

    @Test
    void aDeletedAppsArchivesAndExtractionsGoWithItAndNoOtherAppsDo() throws IOException {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        List<Path> web = List.of(Files.createFile(cache.resolve("web@0123.jsa")), Files.createFile(cache.resolve("web@4567.aot")));
        Path extracted = Files.createDirectories(cache.resolve("web@0123.app/lib"));
        Files.createFile(extracted.resolve("spring-core.jar"));
        List<Path> others = List.of(Files.createFile(cache.resolve("web2@0123.jsa")), Files.createFile(cache.resolve("api@0123.aot")));
        StartCache startCache = cache();
        Path training = Files.createFile(cache.resolve("web@89ab.training.classlist")); // being made: its start still writes it

        startCache.forget("web");
        web.forEach(p -> assertTrue(Files.notExists(p), p.toString()));
        assertTrue(Files.notExists(cache.resolve("web@0123.app")));
        assertTrue(Files.exists(training));
        others.forEach(p -> assertTrue(Files.exists(p), p.toString()));
        startCache.forget("never-started"); // nothing of its: nothing happens
        others.forEach(p -> assertTrue(Files.exists(p), p.toString()));
    }

    @Test
    void whatAnEarlierSupervisorLeftOfAnArchivesMakingIsDeletedAsTheNextStartsAndNothingElse() throws IOException {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        List<Path> left = List.of(Files.createFile(cache.resolve("web@89ab.training.classlist")), Files.createFile(cache.resolve("web@89ab.training.jsa")),
                Files.createFile(cache.resolve("web@89ab.training.out")), Files.createFile(cache.resolve("api@cdef.training.aot.config")));
        Path partial = Files.createDirectories(cache.resolve("web@89ab.app.partial/lib"));
        List<Path> kept = List.of(Files.createFile(cache.resolve("web@0123.jsa")), Files.createDirectories(cache.resolve("web@0123.app")),
                Files.createFile(cache.resolve("api@0123.aot")));
        cache();
        left.forEach(p -> assertTrue(Files.notExists(p), p.toString()));
        assertTrue(Files.notExists(partial.getParent()));
        kept.forEach(p -> assertTrue(Files.exists(p), p.toString()));
    }

    @Test
    void anAppDeletedWhileItsArchiveIsMadeLeavesNothingOnceThatEndsAndAStartAgainTrainsAgain() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        List<String> command = javaJar(jar);
        AppSpec a = app("a", jar);
        launchedAndReady(cache, a, command);
        Path extraction = Files.createDirectories(dir.resolve("cache").resolve(trainingKey() + ExtractedJar.SUFFIX)); // what it runs from
        Path older = Files.createFile(dir.resolve("cache/a@0123.aot"));

        cache.forget("a");
        assertTrue(Files.notExists(older));
        assertTrue(Files.exists(extraction), "in use by the training start");
        endTrainings(() -> Files.notExists(extraction)); // gone once the making ended: no app would use it, or prune it
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"), "the same app and jar again: neither given up nor under way");
        cache.workerReady(a, command);
        assertEquals(List.of("a", "a"), trained);

        Files.createDirectories(extraction);
        cache.forget("a");
        assertTrue(Files.exists(extraction));
        assertTrue(cache.forLaunch(a, command).note().startsWith("none yet"), "started again while its archive is made");
        cache.workerReady(a, command);
        assertEquals(2, trained.size(), "the one under way is its own again: no second training");
        endTrainings(() -> cache.forLaunch(a, command).note().startsWith("none: making one failed")); // the app's own failure
        assertTrue(Files.exists(extraction), "kept: the app exists");
    }

    /** The supervisor exits: a training start does not outlive it, whatever it does with SIGTERM. */
    @Test
    void theSupervisorsExitKillsItsTrainingStarts() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        StartCache cache = cache();
        trainingIgnoresTerm = true;
        AppSpec a = app("a", jar);
        launchedAndReady(cache, a, javaJar(jar));
        cache.close();
        assertTrue(processes.get(0).waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "killed");
        // Its end is the exit's, not a failure (no warning that it was not ready within 120 s).
        endTrainings(() -> cache.forLaunch(a, javaJar(jar)).note().startsWith("none: making one failed (the supervisor exited before it was made)"));
    }
}
