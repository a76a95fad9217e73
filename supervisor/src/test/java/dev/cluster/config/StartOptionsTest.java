package dev.cluster.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cluster.config.StartOption.Kind;
import dev.cluster.protocol.AppSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The declarations are the one source: the JSON Schema and README's table must say what they say. */
class StartOptionsTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theSchemaHasTheDeclaredBoundsChoicesAndFlags() throws Exception {
        JsonNode properties = new ObjectMapper().readTree(REPO.resolve("cluster.schema.json").toFile())
                .path("$defs").path("app").path("properties");
        for (StartOption o : StartOptions.ALL) {
            JsonNode p = properties.path(o.key());
            assertFalse(p.isMissingNode(), o.key() + " is not in cluster.schema.json");
            switch (o.kind()) {
                case NUMBER -> {
                    assertEquals(o.min(), p.path("minimum").asLong(), o.key() + " minimum");
                    assertEquals(o.max(), p.path("maximum").asLong(), o.key() + " maximum");
                }
                case INSTANCES -> assertEquals(o.max(), p.path("oneOf").get(0).path("maximum").asLong(), o.key() + " maximum");
                case CHOICE -> {
                    List<String> words = new ArrayList<>();
                    (p.has("enum") ? p : p.path("oneOf").get(0)).path("enum").forEach(w -> words.add(w.asText()));
                    assertEquals(o.choices(), words, o.key() + " choices");
                }
                case FLAG -> assertEquals("boolean", p.path("type").asText(), o.key() + " type");
                default -> { }
            }
        }
    }

    @Test
    void readmeListsEveryCliOptionWithItsDefault() throws Exception {
        Map<String, String> rows = readmeRows();
        Map<String, String> declared = new LinkedHashMap<>();
        for (StartOption o : StartOptions.ALL) {
            if (!o.cli().isEmpty()) {
                declared.put(String.join(", ", o.cli()), o.defaultText());
            }
        }
        assertEquals(declared, rows);
    }

    /** README's "start / run options" table: the option names of each row, and its default column. */
    private static Map<String, String> readmeRows() throws Exception {
        String readme = Files.readString(REPO.resolve("README.md"));
        int start = readme.indexOf("### start / run options");
        assertTrue(start >= 0, "README has no '### start / run options' section");
        String section = readme.substring(start, readme.indexOf("\n### ", start + 4));
        Pattern row = Pattern.compile("^\\| `([^`]+)` \\|([^|]*)\\|", Pattern.MULTILINE);
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher m = row.matcher(section);
        while (m.find()) {
            List<String> names = new ArrayList<>();
            for (String word : m.group(1).split("[ ,]+")) {
                if (word.startsWith("-")) {
                    names.add(word);
                }
            }
            rows.put(String.join(", ", names), m.group(2).replace("`", "").trim());
        }
        return rows;
    }

    @Test
    void valuesAreReadAndBoundedAsDeclared() {
        StartOption port = StartOptions.byKey("port");
        assertEquals(8081L, port.read("8081", 2));
        assertEquals(8081L, port.read(8081, 2));
        assertEquals("must be a whole number from 1 to 65535 (got '99999999999')",
                assertThrows(IllegalArgumentException.class, () -> port.read("99999999999", 2)).getMessage());
        assertEquals(2L, StartOptions.byKey("instances").read("max", 2));
        StartOption delay = StartOptions.byKey("restart-delay");
        assertEquals("--restart-delay must be at most 1h (got 41666666d15h)", StartOption.refusal("--restart-delay",
                assertThrows(IllegalArgumentException.class, () -> delay.read("999999999h", 2))));
        StartOption logSize = StartOptions.byKey("log-max-size");
        assertEquals(0L, logSize.read("0", 2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> logSize.read("1K", 2)).getMessage().startsWith("must be 0 or at least 4K"));
        assertEquals(List.of("-Xmx1g", "-XX:+UseG1GC"), StartOptions.byKey("jvm-args").read(" -Xmx1g  -XX:+UseG1GC ", 2));
        assertNotNull(StartOptions.byKey("agent"));
        assertTrue(StartOptions.byKey("agent").negatedOnCli());
        assertEquals(Kind.SPECIAL, StartOptions.byKey("env").kind());
    }

    @Test
    void aReloadFromTheFileBringsEnvAndJvmArgsAndNamesTheFirstOtherOptionThatDiffers() {
        AppSpec running = AppSpec.builder().name("web").jar("/srv/web/app.jar").cwd("/srv/web").instances(2).port(8080)
                .env(Map.of("COLOUR", "blue")).jvmArgs(List.of("-Xmx256m")).build();
        assertNull(StartOptions.unreloadable(running, running));
        assertNull(StartOptions.unreloadable(running.withEnv(Map.of("COLOUR", "red")).withJvmArgs(List.of()), running), "what a reload brings");
        assertEquals("instances", StartOptions.unreloadable(running.toBuilder().instances(3).build(), running));
        assertEquals("jar", StartOptions.unreloadable(running.toBuilder().jar("/srv/web/other.jar").build(), running));
        assertEquals("kill-timeout", StartOptions.unreloadable(running.toBuilder().killTimeoutMs(9_000).env(Map.of()).build(), running));
        assertEquals("log-keep", StartOptions.unreloadable(running.toBuilder().logs(l -> l.withKeep(3)).build(), running));
        AppSpec onJdk25 = running.toBuilder().java("/opt/jdk-25/bin/java").build();
        assertNull(StartOptions.unreloadable(onJdk25, running), "a java the file names is brought by the reload");
        assertEquals("java", StartOptions.unreloadable(running, onJdk25), "the supervisor's java again: not told by a reload");
    }
}
