package dev.cluster.config;

import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppSpecValidatorTest {
    @TempDir
    Path dir;

    private AppSpec spec(String name, String jar, int instances, int port) {
        return AppSpec.builder().name(name).jar(jar).command(jar == null ? List.of("true") : List.of()).cwd(dir.toString())
                .instances(instances).port(port).listenTimeoutMs(1000L).killTimeoutMs(1000).build();
    }

    private String problem(AppSpec spec, AppSpec... running) {
        Optional<String> p = AppSpecValidator.problem(spec, List.of(running)).map(AppSpecValidator.Problem::message);
        assertTrue(p.isPresent(), "expected a problem with " + spec);
        assertTrue(!p.get().contains("\n"), "one line: " + p.get());
        return p.get();
    }

    @Test
    void namesThatCouldEscapeTheLogDirectoryAreRefused() {
        for (String name : new String[] {"a/b", "..", "../x", ".hidden", "", "x".repeat(65), "a b"}) {
            assertTrue(problem(spec(name, null, 1, 18000)).startsWith("invalid app name"), name);
        }
        assertTrue(AppSpecValidator.validName("api-v2.1_x"));
    }

    @Test
    void derivesAValidNameFromAFileName() {
        assertEquals("worker-app", AppSpecValidator.nameFrom("worker-app.jar"));
        assertEquals("my-app", AppSpecValidator.nameFrom("my app.jar"));
        assertEquals("app", AppSpecValidator.nameFrom("...jar"));
        assertTrue(AppSpecValidator.validName(AppSpecValidator.nameFrom("../../etc/passwd")));
    }

    @Test
    void javaTooOldForTheAgentIsToldThroughItsLinks() throws Exception {
        // As /usr/bin/java is: a link (through /etc/alternatives) to the JDK's bin/java, whose home has the release file.
        Path bin = Files.createDirectories(dir.resolve("jdk-11/bin"));
        Files.writeString(dir.resolve("jdk-11/release"), "JAVA_VERSION=\"11.0.24\"\n");
        Path real = Files.createFile(bin.resolve("java"));
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(dir.resolve("java"), real);
        AppSpec onJava11 = spec("a", TestJars.runnable(dir.resolve("a.jar")).toString(), 1, 18000).toBuilder().java(link.toString()).build();
        assertTrue(problem(onJava11).contains(link + " is Java 11: the agent needs Java 17 or later"), problem(onJava11));
    }

    @Test
    void aMissingJarIsNamedWithItsPath() {
        assertTrue(problem(spec("a", dir.resolve("nope.jar").toString(), 1, 18000)).contains("nope.jar"));
    }

    @Test
    void aJarThatJavaDashJarWouldRefuseIsRefusedBeforeAnyWorkerCrashLoops() throws Exception {
        Path cut = Files.writeString(dir.resolve("cut.jar"), "PK\u0003\u0004 a copy cut short");
        assertEquals(cut + " is not a jar that can be read (zip END header not found): give a whole jar (a copy cut short, or another kind of file?)",
                problem(spec("cut", cut.toString(), 1, 18000)));
        Path library = dir.resolve("library.jar");
        try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(Files.newOutputStream(library))) {
            jar.putNextEntry(new java.util.jar.JarEntry("a.txt"));
        }
        assertTrue(problem(spec("library", library.toString(), 1, 18000)).startsWith(library + " has no Main-Class in its manifest, "
                + "so 'java -jar' cannot run it"), problem(spec("library", library.toString(), 1, 18000)));
        assertEquals(Optional.empty(), AppSpecValidator.problem(spec("a", TestJars.runnable(dir.resolve("a.jar")).toString(), 1, 18000), List.of()));
    }

    @Test
    void anEnvTheSupervisorWouldReplaceIsRefusedNamingTheOptionThatSetsIt() throws Exception {
        AppSpec web = spec("web", TestJars.runnable(dir.resolve("a.jar")).toString(), 1, 18000);
        assertEquals("--env PORT=9000: every worker gets PORT from --port (18000): use --port 9000 instead",
                problem(web.withEnv(Map.of("PORT", "9000"))));
        assertEquals("--env SERVER_PORT=9000: every worker gets SERVER_PORT from --port (18000): use --port 9000 instead",
                problem(web.withEnv(Map.of("SERVER_PORT", "9000"))));
        assertEquals("--env QUARKUS_HTTP_PORT=9000: every worker gets QUARKUS_HTTP_PORT from --port (18000): use --port 9000 instead",
                problem(web.withEnv(Map.of("QUARKUS_HTTP_PORT", "9000"))));
        assertEquals(Optional.empty(), AppSpecValidator.problem(web.withEnv(Map.of("PORT", "18000", "GREETING", "hi")), List.of()));
        assertTrue(problem(web.withEnv(Map.of("CLUSTER_WORKER_ID", "3"))).startsWith("--env CLUSTER_WORKER_ID: the supervisor sets"));
        assertTrue(problem(web.withEnv(Map.of("CLUSTER_PROCESSORS", "4"))).endsWith("drop it, or set --share off"));
        assertEquals(Optional.empty(), AppSpecValidator.problem(web.toBuilder().share(AppSpec.OFF).env(Map.of("CLUSTER_PROCESSORS", "4")).build(), List.of()));
        IllegalArgumentException reload = assertThrows(IllegalArgumentException.class,
                () -> AppSpecValidator.reloaded(web, Map.of("PORT", "9000"), null, null));
        assertTrue(reload.getMessage().startsWith("--env PORT=9000"), reload.getMessage());
    }

    @Test
    void instancesPortAndDuplicatesAreChecked() throws Exception {
        Path jar = TestJars.runnable(dir.resolve("a.jar"));
        assertTrue(problem(spec("a", jar.toString(), 0, 18000)).contains("instances"));
        assertTrue(problem(spec("a", jar.toString(), 1, 70000)).contains("port"));
        assertTrue(problem(spec("a", jar.toString(), 1, 18000), spec("a", jar.toString(), 1, 18001)).contains("already exists"));
        assertTrue(problem(spec("b", jar.toString(), 1, 18000), spec("a", jar.toString(), 1, 18000)).contains("used by app 'a'"));
    }

    /** --shared-port: a second port of the app's, checked as --port is, and only where the agent can share it. */
    @Test
    void aSharedPortIsCheckedAsThePortIs() throws Exception {
        Path jar = TestJars.runnable(dir.resolve("a.jar"));
        AppSpec web = spec("web", jar.toString(), 2, 18000);
        assertEquals("--shared-port 18000 is the app's --port, which is shared already: drop --shared-port",
                problem(web.toBuilder().sharedPort(18000).build()));
        assertTrue(problem(web.toBuilder().sharedPort(18001).agent(false).build()).startsWith("--shared-port needs the agent"));
        assertTrue(problem(spec("cmd", null, 2, 18000).toBuilder().sharedPort(18001).build()).startsWith("--shared-port needs the agent"));
        assertEquals("port 18001 is already used by app 'api': choose another --shared-port",
                problem(web.toBuilder().sharedPort(18001).build(), spec("api", jar.toString(), 1, 18001)));
        assertEquals("port 18000 is already used by app 'api': choose another --port",
                problem(web, spec("api", jar.toString(), 1, 18002).toBuilder().sharedPort(18000).build()));
        try (ServerSocket plain = new ServerSocket()) {
            plain.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            AppSpec spec = web.toBuilder().sharedPort(plain.getLocalPort()).build();
            assertEquals("shared-port", AppSpecValidator.problem(spec, List.of()).map(AppSpecValidator.Problem::option).orElse(null));
            assertTrue(problem(spec).endsWith("stop it or choose another --shared-port (see 'ss -ltnp sport = :" + plain.getLocalPort() + "')"));
        }
        assertEquals(Optional.empty(), AppSpecValidator.problem(web.toBuilder().sharedPort(18003).build(), List.of()));
    }

    /** A queue consumer or a job (--listen-timeout 0) serves no port: it claims none, so the default port clashes with nothing. */
    @Test
    void anAppThatServesNoPortClaimsNone() throws Exception {
        AppSpec consumer = spec("consumer", null, 2, 18000).toBuilder().listenTimeoutMs(0L).build();
        AppSpec web = spec("web", null, 2, 18000);
        assertEquals(Optional.empty(), AppSpecValidator.problem(consumer.toBuilder().name("jobs").build(), List.of(consumer)));
        assertEquals(Optional.empty(), AppSpecValidator.problem(web, List.of(consumer)));
        assertEquals(Optional.empty(), AppSpecValidator.problem(consumer, List.of(web)));
        try (ServerSocket plain = new ServerSocket()) {
            plain.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertEquals(Optional.empty(), AppSpecValidator.problem(consumer.toBuilder().port(plain.getLocalPort()).build(), List.of()),
                    "not probed: another process may hold its $PORT");
        }
    }

    @Test
    void aPortHeldWithoutReusePortIsRefusedButASharedOneIsFine() throws Exception {
        Path jar = TestJars.runnable(dir.resolve("a.jar"));
        try (ServerSocket plain = new ServerSocket()) {
            plain.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertTrue(problem(spec("a", jar.toString(), 1, plain.getLocalPort())).contains("in use"));
        }
        try (ServerSocket shared = new ServerSocket()) {
            shared.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            shared.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertEquals(Optional.empty(), AppSpecValidator.problem(spec("a", jar.toString(), 1, shared.getLocalPort()), List.of()));
        }
    }

    @Test
    void aCommandMustExist() {
        AppSpec missing = AppSpec.builder().name("a").command(List.of("no-such-program-xyz")).cwd(dir.toString()).port(18000).build();
        assertTrue(problem(missing).contains("not found"));
    }

    @Test
    void aCommandThatCannotRunSaysWhy() throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "hello");
        AppSpec.Builder command = AppSpec.builder().name("a").cwd(dir.toString()).port(18000);
        assertEquals("command 'notes.txt' not found on the supervisor's PATH: give its full path (for the file in this directory: ./notes.txt)",
                problem(command.command(List.of("notes.txt")).build()));
        assertEquals(notes + " is not executable: 'chmod +x' it, or name its interpreter first (-- sh ./notes.txt); a jar's name ends in .jar",
                problem(command.command(List.of("./notes.txt")).build()));
        assertEquals(dir + " is a directory: give a jar (its name ends in .jar) or a program to run", problem(command.command(List.of(dir.toString())).build()));
        assertTrue(problem(command.command(List.of("./gone")).build()).startsWith("command not found: " + dir.resolve("gone")));
    }

    @Test
    void whatAWorkerRunsMustBeChangeableByNoOneElse() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path jar = TestJars.runnable(shared.resolve("a.jar"));
        Optional<AppSpecValidator.Problem> problem = AppSpecValidator.problem(spec("a", jar.toString(), 1, 18000), List.of());
        assertEquals("jar", problem.map(AppSpecValidator.Problem::option).orElse(null), problem.toString());
        assertTrue(problem.get().message().contains(shared + ", which can be written by other users"), problem.toString());

        // --java through a link into that directory, and a command's program found on a path.
        Path ownJar = TestJars.runnable(dir.resolve("b.jar"));
        Path java = Files.createSymbolicLink(dir.resolve("java"), Files.createFile(shared.resolve("java")));
        Files.setPosixFilePermissions(shared.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        AppSpec onJava = spec("b", ownJar.toString(), 1, 18000).toBuilder().java(java.toString()).build();
        assertEquals("java", AppSpecValidator.problem(onJava, List.of()).map(AppSpecValidator.Problem::option).orElse(null));
        AppSpec program = AppSpec.builder().name("c").command(List.of(shared.resolve("java").toString())).cwd(dir.toString()).port(18000).build();
        assertTrue(problem(program).startsWith("program " + shared.resolve("java") + " is under " + shared), problem(program));

        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerSocket free = new ServerSocket()) {
            free.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            free.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertEquals(Optional.empty(), AppSpecValidator.problem(spec("a", jar.toString(), 1, free.getLocalPort()), List.of()));
        }
    }

    @Test
    void aStandbyNeedsAutorestart() throws Exception {
        Path jar = TestJars.runnable(dir.resolve("a.jar"));
        AppSpec spec = spec("a", jar.toString(), 1, 18000).toBuilder().standby(1).autorestart(AppSpec.OFF).build();
        Optional<AppSpecValidator.Problem> problem = AppSpecValidator.problem(spec, List.of());
        assertEquals("standby", problem.map(AppSpecValidator.Problem::option).orElse(null));
        assertTrue(problem.get().message().startsWith("--standby needs --autorestart on"), problem.toString());
    }

    @Test
    void aPrivilegedPortIsNotCalledOneInUse() {
        assertTrue(AppSpecValidator.cannotBind(80, new java.net.BindException("Permission denied"), "--port").startsWith("port 80 is privileged: "));
        assertTrue(AppSpecValidator.cannotBind(8080, new java.net.BindException("Address already in use"), "--port")
                .startsWith("port 8080 is in use by another process that does not share it"));
    }

    @Test
    void scaleTakesACountOrAChangeOfOne() {
        assertEquals(5, AppSpecValidator.scaled("5", 2, "web"));
        assertEquals(4, AppSpecValidator.scaled("+2", 2, "web"));
        assertEquals(1, AppSpecValidator.scaled("-1", 2, "web"));
        assertEquals(Runtime.getRuntime().availableProcessors(), AppSpecValidator.scaled("max", 2, "web"));
        assertEquals("scale takes N, +N, -N or max workers (got 'two')",
                assertThrows(IllegalArgumentException.class, () -> AppSpecValidator.scaled("two", 2, "web")).getMessage());
        assertEquals("an app runs 1 to 1024 workers (asked for 0); to stop it use 'cluster stop web'",
                assertThrows(IllegalArgumentException.class, () -> AppSpecValidator.scaled("0", 2, "web")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AppSpecValidator.scaled("99999999999999999999", 2, "web"))
                .getMessage().startsWith("scale takes N"));
    }
}
