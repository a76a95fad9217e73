package dev.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.cluster.it.ClusterFixture.WORKER_APP_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every control command, as any process of the owner could send it: each field in turn null,
 * missing, and of the wrong type (and the nested fields of {@code start}'s app). Each gets an answer
 * (done, or a one-line refusal), none trips the supervisor, and afterwards the app still takes
 * commands: nothing was left marked busy.
 */
class ControlRequestsIT {
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** A well-formed request of each command that takes fields (kill and watch take none; ping, save and resurrect neither). */
    private List<ObjectNode> wellFormed(int probePort) {
        ObjectNode app = Wire.mapper().valueToTree(AppSpec.builder().name("probe").command(List.of("/bin/sleep", "600")).cwd("/")
                .port(probePort).listenTimeoutMs(0L).env(Map.of("A", "1")).jvmArgs(List.of()).maxMemoryBytes(1L << 30).hangTimeoutMs(60_000L).build());
        return List.of(
                request("start").set("app", app),
                request("list").put("output", "table").put("colour", false),
                request("describe").put("target", "web").put("showEnv", false),
                request("stop").put("target", "nothing"),
                request("restart").put("target", "nothing"),
                request("delete").put("target", "nothing"),
                request("reload").put("target", "web").put("parallel", 1).<ObjectNode>set("env", JSON.objectNode().put("A", "1"))
                        .set("jvmArgs", JSON.arrayNode().add("-Xmx96m")),
                request("scale").put("app", "web").put("count", "1"),
                request("signal").put("signal", "USR1").put("target", "nothing"),
                request("metrics").put("port", 0));
    }

    private static ObjectNode request(String command) {
        return JSON.objectNode().put("v", Wire.VERSION).put("command", command);
    }

    /** A value of another JSON type than {@code value}'s, which no reader should take for it. */
    private static JsonNode wrongType(JsonNode value) {
        if (value.isTextual()) {
            return JSON.objectNode().put("x", 1);
        }
        if (value.isNumber() || value.isBoolean()) {
            return JSON.textNode("not-" + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return JSON.numberNode(7); // an object or a list
    }

    /** Each field of {@code node} (and of its object fields, one level down) null, missing, and of the wrong type. */
    private static List<ObjectNode> variants(ObjectNode node, String path) {
        List<ObjectNode> out = new ArrayList<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (path.isEmpty() && (field.equals("v") || field.equals("command"))) {
                continue;
            }
            out.add(with(node, field, JSON.nullNode()));
            ObjectNode missing = node.deepCopy();
            missing.remove(field);
            out.add(missing);
            out.add(with(node, field, wrongType(node.get(field))));
            if (node.get(field) instanceof ObjectNode inner && path.isEmpty()) {
                for (ObjectNode innerVariant : variants(inner, field)) {
                    out.add(with(node, field, innerVariant));
                }
            }
        }
        return out;
    }

    private static ObjectNode with(ObjectNode node, String field, JsonNode value) {
        ObjectNode copy = node.deepCopy();
        copy.set(field, value);
        return copy;
    }

    @Test
    void everyCommandWithAFieldNullMissingOrOfTheWrongTypeIsAnsweredAndLeavesTheAppUsable() throws Exception {
        int port = ClusterFixture.freePort();
        cluster.ok("start", WORKER_APP_JAR.toString(), "--port", Integer.toString(port), "--name", "web");
        int sent = 0;
        for (ObjectNode base : wellFormed(ClusterFixture.freePort())) {
            List<ObjectNode> requests = variants(base, "");
            if (base.get("command").asText().equals("reload")) {
                requests.add(with(base, "env", JSON.objectNode().putNull("A"))); // the value null inside a map
                requests.add(with(base, "jvmArgs", JSON.arrayNode().addNull()));
            }
            for (ObjectNode request : requests) {
                Response response = cluster.send((request + "\n").getBytes(StandardCharsets.UTF_8));
                assertNotNull(response, "no answer to " + request);
                assertTrue(response.ok() || response.error() != null && !response.error().contains("could not carry out"),
                        request + " tripped the supervisor: " + response.error());
                sent++;
            }
        }
        assertTrue(sent > 100, "only " + sent + " requests");
        assertTrue(cluster.request(new dev.cluster.protocol.Request.Ping()).ok(), "the supervisor still answers");

        // Nothing was left marked busy: each command that marks an app goes through.
        cluster.ok("reload", "web");
        cluster.ok("scale", "web", "max");
        assertEquals(Runtime.getRuntime().availableProcessors(), cluster.list().stream().filter(w -> w.app().equals("web")).count(),
                "max: one worker per core, as -i max");
        cluster.ok("scale", "web", "2");
        ClusterFixture.Result tooFew = cluster.cluster("scale", "web", "-5");
        assertEquals("cluster: an app runs 1 to 1024 workers (asked for 2 - 5 = -3); to stop it use 'cluster stop web'",
                tooFew.err().strip(), "a refused scale shows its sum: " + tooFew);
        assertEquals(1, tooFew.exit(), tooFew.toString());
        cluster.ok("restart", "web");
        cluster.ok("stop", "web");
        assertEquals(List.of("stopped", "stopped"), cluster.list().stream().filter(w -> w.app().equals("web")).map(w -> w.state()).toList());
    }
}
