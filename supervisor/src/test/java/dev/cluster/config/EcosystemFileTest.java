package dev.cluster.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.LogSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EcosystemFileTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @BeforeEach
    void aJar() throws IOException {
        TestJars.runnable(dir.resolve("app.jar"));
    }

    private Path file(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    private String problem(String name, String content) throws IOException {
        Path f = file(name, content);
        return assertThrows(EcosystemFile.Invalid.class, () -> EcosystemFile.read(f, null, Set.of(), 2), content).getMessage();
    }

    @Test
    void readsEveryOptionAndMergesTheChosenEnvironment() throws Exception {
        Path f = file("cluster.yaml", """
                apps:
                  - name: web
                    jar: app.jar
                    instances: max
                    port: 18080
                    jvm-args: -Xmx256m -XX:+UseG1GC
                    args: [--mode, fast]
                    env: {LOG_LEVEL: info, WORKERS: 4}
                    env-production: {LOG_LEVEL: warn}
                    listen-timeout: 20s
                    kill-timeout: 10s
                    restart-delay: 250
                    max-restarts: 5
                    min-uptime: 2s
                    bind: self
                    agent: false
                    lag-threshold: 20ms
                    block-threshold: 200ms
                    max-memory-restart: 512M
                    hang-timeout: 30s
                    log-max-size: 50M
                    log-daily: true
                    log-keep: 3
                    log-compress: true
                    log-date-format: HH:mm:ss
                    merge-logs: true
                    log-type: json
                  - name: worker
                    command: [sleep, infinity]
                    port: 18081
                """);
        List<AppSpec> apps = EcosystemFile.read(f, "production", Set.of(), 4);
        AppSpec web = apps.get(0);
        assertEquals(dir.resolve("app.jar").toString(), web.jar(), "relative to the file");
        assertEquals(4, web.instances(), "max: one per core");
        assertEquals(new LogSpec(50L << 20, true, 3, true, "HH:mm:ss", true, LogSpec.JSON), web.logs());
        assertEquals(LogSpec.DEFAULTS, apps.get(1).logs());
        assertEquals(List.of("-Xmx256m", "-XX:+UseG1GC"), web.jvmArgs());
        assertEquals(List.of("--mode", "fast"), web.args());
        assertEquals("warn", web.env().get("LOG_LEVEL"), "env-production over env");
        assertEquals("4", web.env().get("WORKERS"));
        assertEquals(20_000L, web.listenTimeoutMs());
        assertEquals(250, web.restartDelayMs());
        assertEquals(5, web.maxRestarts());
        assertEquals("self", web.bind());
        assertEquals(false, web.agent());
        assertEquals(512L << 20, web.maxMemoryBytes());
        assertEquals(30_000L, web.hangTimeoutMs());
        assertEquals(List.of("sleep"), apps.get(1).command());
        assertEquals(List.of("infinity"), apps.get(1).args());
        assertEquals(List.of("worker"), EcosystemFile.read(f, null, Set.of("worker"), 4).stream().map(AppSpec::name).toList());
    }

    @Test
    void javaIsRelativeToTheAppsDirectoryAsItsJarIsAndAJdksHomeStandsForItsJava() throws Exception {
        Files.createDirectories(dir.resolve("jdk/bin"));
        Files.writeString(dir.resolve("jdk/bin/java"), "");
        dir.resolve("jdk/bin/java").toFile().setExecutable(true);
        Files.createDirectories(dir.resolve("srv"));
        Path f = file("cluster.yaml", """
                apps:
                  - name: home
                    jar: app.jar
                    java: jdk
                  - name: executable
                    jar: ../app.jar
                    cwd: srv
                    port: 18081
                    java: ../jdk/bin/java
                  - name: absolute
                    jar: app.jar
                    port: 18082
                    java: %s
                """.formatted(dir.resolve("jdk")));
        List<AppSpec> apps = EcosystemFile.read(f, null, Set.of(), 2);
        String java = dir.resolve("jdk/bin/java").toString();
        assertEquals(java, apps.get(0).java());
        assertEquals(java, apps.get(1).java(), "relative to the app's cwd, as its jar is");
        assertEquals(java, apps.get(2).java());
    }

    @Test
    void everyKindOfBadFileGetsOneLineWithFileLineColumnAndTheFix() throws Exception {
        String item = "  - name: web\n    jar: app.jar\n    port: 18080\n";
        String app = "apps:\n" + item;
        Object[][] cases = {
                {"syntax.yaml", "apps:\n  - name: web\n   jar: app.jar\n", "syntax.yaml:3:", "not valid YAML: while parsing a block collection: "
                        + "expected <block end>, but found '<block mapping start>' (check the indentation of this line and the one above)"},
                {"unclosed.yaml", "apps:\n  - name: web\n    jar: [\n", "unclosed.yaml:3:11:",
                        "not valid YAML: while parsing a flow node: expected the node content, but found '<stream end>'"},
                {"syntax.json", "{\"apps\": [{\"name\": \"web\", \"jar\": \"app.jar\",}]}", "syntax.json:1:", "not valid JSON"},
                {"empty.yaml", "", "empty.yaml: the file is empty", "apps"},
                {"list.yaml", "- name: web\n", "list.yaml:1:1:", "must be a map with an 'apps' list"},
                {"noapps.yaml", "services:\n" + item, "noapps.yaml:1:1:", "unknown key 'services'"},
                {"typo-top.yaml", "aps:\n" + item, "typo-top.yaml:1:1:", "did you mean 'apps'?"},
                {"emptyapps.yaml", "apps: []\n", "emptyapps.yaml:1:1:", "at least one app"},
                {"typo.yaml", app + "    instanses: 2\n", "typo.yaml:5:5:", "unknown option 'instanses': did you mean 'instances'?"},
                {"snake.yaml", app + "    kill_timeout: 5s\n", "snake.yaml:5:5:", "did you mean 'kill-timeout'?"},
                {"pm2.yaml", "apps:\n  - name: web\n    script: app.jar\n", "pm2.yaml:3:5:", "unknown option 'script': PM2's 'script' is 'jar' here"},
                {"pm2env.yaml", app + "    env_production: {A: b}\n", "pm2env.yaml:5:5:", "PM2's 'env_NAME' is 'env-production' here"},
                {"instances.yaml", app + "    instances: lots\n", "instances.yaml:5:5:", "'instances' must be a number of workers from 1 to 1024, or max (got 'lots')"},
                {"port.yaml", "apps:\n  - name: web\n    jar: app.jar\n    port: http\n", "port.yaml:4:5:", "'port' must be a whole number from 1 to 65535 (got 'http')"},
                {"bigport.yaml", "apps:\n  - name: web\n    jar: app.jar\n    port: 70000\n", "bigport.yaml:4:5:", "from 1 to 65535 (got 70000)"},
                {"duration.yaml", app + "    kill-timeout: 5 minutes\n", "duration.yaml:5:5:", "'kill-timeout': '5 minutes' is not a duration: use e.g. 500ms, 5s"},
                {"size.yaml", app + "    max-memory-restart: 512X\n", "size.yaml:5:5:", "'512X' is not a size: use e.g. 512M"},
                {"agent.yaml", app + "    agent: yes please\n", "agent.yaml:5:5:", "'agent' must be true or false"},
                {"noagent.yaml", app + "    no-agent: true\n", "noagent.yaml:5:5:", "unknown option 'no-agent': the command line's --no-agent is 'agent: false'"},
                {"dup.yaml", app + item.replace("18080", "18081"), "dup.yaml:5:5:", "two apps are named 'web' (the other at line 2)"},
                {"dupkey.yaml", app + "    port: 18082\n", "dupkey.yaml:5:5:", "'port' is given twice in the same block"},
                {"nojar.yaml", "apps:\n  - name: web\n    jar: missing.jar\n", "nojar.yaml:3:5:", "missing.jar does not exist"},
                {"both.yaml", app + "    command: [./server]\n", "both.yaml:2:5:", "either 'jar' (a jar file) or 'command'"},
                {"neither.yaml", "apps:\n  - name: web\n    port: 18080\n", "neither.yaml:2:5:", "not neither"},
                {"noname.yaml", "apps:\n  - jar: app.jar\n", "noname.yaml:2:5:", "an app needs a 'name'"},
                {"badname.yaml", "apps:\n  - name: ../../etc\n    jar: app.jar\n", "badname.yaml:2:5:", "invalid app name '../../etc'"},
                {"env.yaml", app + "    env: [LOG_LEVEL=info]\n", "env.yaml:5:5:", "'env' must be a map of variables"},
                {"envvalue.yaml", app + "    env:\n      NESTED: {a: 1}\n", "envvalue.yaml:6:7:", "'env.NESTED' must be a text, number or true/false"},
                {"bind.yaml", app + "    bind: shared\n", "bind.yaml:5:5:", "'bind' takes 'handoff' or 'self' (got 'shared')"},
                {"logsize.yaml", app + "    log-max-size: huge\n", "logsize.yaml:5:5:", "'log-max-size': 'huge' is not a size"},
                {"logkeep.yaml", app + "    log-keep: all\n", "logkeep.yaml:5:5:", "'log-keep' must be a whole number from 0 to 10000"},
                {"logtype.yaml", app + "    log-type: xml\n", "logtype.yaml:5:5:", "'log-type' takes 'text' or 'json' (got 'xml')"},
                {"alias.yaml", "apps:\n  - name: web\n    jar: app.jar\n    jvm-args: &opts [-Xmx64m]\n    args: [*opts]\n", "alias.yaml:5:12:",
                        "'*opts' is a YAML alias, which cluster does not read: write the value out in full"},
                {"logdate.yaml", app + "    log-date-format: \"yyyy {\"\n", "logdate.yaml:5:5:", "--log-date-format 'yyyy {' is not a usable date pattern"},
                {"java.yaml", app + "    java: /nonexistent/bin/java\n", "java.yaml:5:5:", "--java /nonexistent/bin/java is not a java executable"},
                {"javacmd.yaml", "apps:\n  - name: web\n    command: [/bin/true]\n    java: /usr/bin/java\n", "javacmd.yaml:4:5:",
                        "--java is for a jar app"},
                {"cwd.yaml", "apps:\n  - name: web\n    command: [/bin/true]\n    cwd: nowhere\n", "cwd.yaml:4:5:", "nowhere does not exist"},
                {"portclash.yaml", app + "  - name: api\n    jar: app.jar\n    port: 18080\n", "portclash.yaml:7:5:", "already used by app 'web'"},
        };
        assertTrue(cases.length >= 15);
        for (Object[] c : cases) {
            String message = problem((String) c[0], (String) c[1]);
            assertTrue(message.startsWith(dir.resolve((String) c[0]) + ((String) c[2]).substring(((String) c[0]).length())),
                    c[0] + ": where: " + message);
            assertTrue(message.contains((String) c[3]), c[0] + ": what: " + message);
            assertTrue(!message.contains("\n"), c[0] + ": one line: " + message);
        }
        Path missing = dir.resolve("missing.yaml");
        assertEquals(missing + ": no such file",
                assertThrows(EcosystemFile.Invalid.class, () -> EcosystemFile.read(missing, null, Set.of(), 2)).getMessage());
    }

    @Test
    void aMissingEnvironmentOrOnlyNameIsAnError() throws Exception {
        Path f = file("cluster.yaml", "apps:\n  - name: web\n    jar: app.jar\n    port: 18080\n");
        String env = assertThrows(EcosystemFile.Invalid.class, () -> EcosystemFile.read(f, "prod", Set.of(), 2)).getMessage();
        assertTrue(env.contains("no app has an 'env-prod' block for --env prod"), env);
        String only = assertThrows(EcosystemFile.Invalid.class, () -> EcosystemFile.read(f, null, Set.of("api"), 2)).getMessage();
        assertTrue(only.contains("--only api: no app of that name in the file (it has web)"), only);
    }

    private static Schema schema() throws IOException {
        try (InputStream in = Files.newInputStream(REPO.resolve("cluster.schema.json"))) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
    }

    @Test
    void theExamplesFollowTheSchemaAndTheReader() throws Exception {
        Schema schema = schema();
        for (Path example : List.of(REPO.resolve("examples/cluster.yaml"), REPO.resolve("examples/cluster.json"))) {
            JsonNode tree = (example.toString().endsWith(".json") ? new ObjectMapper() : new YAMLMapper()).readTree(example.toFile());
            List<Error> errors = schema.validate(tree);
            assertEquals(List.of(), errors, example + " against cluster.schema.json");
        }
        assertEquals(2, EcosystemFile.read(REPO.resolve("examples/cluster.json"), "production", Set.of(), 2).size());
    }

    @Test
    void theSchemaKnowsExactlyTheOptionsTheReaderDoesAndRejectsBadFiles() throws Exception {
        JsonNode schemaTree = new ObjectMapper().readTree(REPO.resolve("cluster.schema.json").toFile());
        Set<String> schemaKeys = new TreeSet<>();
        for (Iterator<String> it = schemaTree.path("$defs").path("app").path("properties").fieldNames(); it.hasNext(); ) {
            schemaKeys.add(it.next());
        }
        assertEquals(new TreeSet<>(EcosystemFile.APP_KEYS), schemaKeys);
        Schema schema = schema();
        for (String bad : List.of("apps: []", "aps: [{name: web, jar: a.jar}]", "apps: [{name: web, jar: a.jar, instanses: 2}]",
                "apps: [{name: web, jar: a.jar, kill-timeout: 5 minutes}]", "apps: [{name: web, jar: a.jar, command: [x]}]",
                "apps: [{name: web, jar: a.jar, max-memory-restart: 512X}]")) {
            assertTrue(!schema.validate(new YAMLMapper().readTree(bad)).isEmpty(), "the schema accepts: " + bad);
        }
    }
}
