package dev.cluster.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Every message a worker sends, and the two it receives ({@link WorkerMessage.Assigned},
 * {@link WorkerMessage.Shutdown}), written and read with Jackson's streaming generator and parser,
 * not its databind. A JVM's first use of databind loads ~560 classes: it took ~0.5 s of a cold
 * worker-app start under the supervisor (on the start's path: the worker asks for its listening
 * socket with a {@code Listen}), and made later, at the first report, it stalled the event loops of
 * a just-started worker for up to 0.2 s. The bytes are the same as databind's ({@code WireTest}
 * compares them). What the supervisor receives it reads with databind ({@link Wire#decode}); a line
 * that is not exactly one of the flat messages, well formed, is left to databind here too, so
 * errors read as they always did.
 */
final class WorkerCodec {
    private static final JsonFactory JSON = new JsonFactory();

    /** Thrown, never seen outside: the line is not one of the flat messages as this class writes them. */
    private static final class NotFlat extends Exception {
        NotFlat() {
            super(null, null, false, false);
        }
    }

    private static final NotFlat NOT_FLAT = new NotFlat();

    private WorkerCodec() {
    }

    /** The message as one line, newline included. */
    static byte[] encode(WorkerMessage message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("v", Wire.VERSION);
            if (message instanceof WorkerMessage.Hello hello) {
                json.writeStringField("type", "hello");
                string(json, "app", hello.app());
                number(json, "workerId", hello.workerId() == null ? null : hello.workerId().longValue());
                number(json, "pid", hello.pid());
                bool(json, "agent", hello.agent());
            } else if (message instanceof WorkerMessage.Listen listen) {
                json.writeStringField("type", "listen");
                string(json, "host", listen.host());
                bool(json, "ipv6", listen.ipv6());
                bool(json, "agent", listen.agent());
                number(json, "port", listen.port() == null ? null : listen.port().longValue());
            } else if (message instanceof WorkerMessage.Ready) {
                json.writeStringField("type", "ready");
            } else if (message instanceof WorkerMessage.Watch watch) {
                json.writeStringField("type", "watch");
                number(json, "pid", watch.pid());
                number(json, "thread", watch.thread());
            } else if (message instanceof WorkerMessage.Assigned assigned) {
                json.writeStringField("type", "assigned");
                json.writeNumberField("workerId", assigned.workerId());
            } else if (message instanceof WorkerMessage.Shutdown) {
                json.writeStringField("type", "shutdown");
            } else if (message instanceof WorkerMessage.Metrics metrics) {
                json.writeStringField("type", "metrics");
                if (metrics.telemetry() != null) {
                    json.writeFieldName("telemetry");
                    telemetry(json, metrics.telemetry());
                }
            } else if (message instanceof WorkerMessage.Blocked blocked) {
                json.writeStringField("type", "blocked");
                if (blocked.blocked() != null) {
                    json.writeFieldName("blocked");
                    blocked(json, blocked.blocked());
                }
            } else {
                throw new IllegalArgumentException("a worker message this codec does not know: " + message.getClass().getSimpleName());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** The flat message of this line, or null when it is not one of them, exactly: databind then decides. */
    static WorkerMessage decode(byte[] line) {
        try {
            Map<String, Object> fields = scalars(line);
            if (!Long.valueOf(Wire.VERSION).equals(fields.get("v")) || !(fields.get("type") instanceof String type)) {
                return null;
            }
            return switch (type) {
                case "hello" -> new WorkerMessage.Hello(field(fields, "app", String.class), integer(fields, "workerId"),
                        field(fields, "pid", Long.class), field(fields, "agent", Boolean.class));
                case "listen" -> new WorkerMessage.Listen(field(fields, "host", String.class), field(fields, "ipv6", Boolean.class),
                        field(fields, "agent", Boolean.class), integer(fields, "port"));
                case "ready" -> new WorkerMessage.Ready();
                case "watch" -> new WorkerMessage.Watch(field(fields, "pid", Long.class), field(fields, "thread", Long.class));
                case "assigned" -> {
                    Integer workerId = integer(fields, "workerId");
                    yield new WorkerMessage.Assigned(workerId == null ? 0 : workerId);
                }
                case "shutdown" -> new WorkerMessage.Shutdown();
                default -> null;
            };
        } catch (NotFlat | IOException e) {
            return null;
        }
    }

    /** One JSON object's fields: strings, integers (as Long), booleans; a null is an absent field. */
    private static Map<String, Object> scalars(byte[] line) throws IOException, NotFlat {
        Map<String, Object> fields = new HashMap<>();
        try (JsonParser json = JSON.createParser(line)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw NOT_FLAT;
            }
            String name;
            while ((name = json.nextFieldName()) != null) {
                JsonToken token = json.nextToken();
                switch (token) {
                    case VALUE_STRING -> fields.put(name, json.getText());
                    case VALUE_NUMBER_INT -> {
                        if (json.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            throw NOT_FLAT;
                        }
                        fields.put(name, json.getLongValue());
                    }
                    case VALUE_TRUE, VALUE_FALSE -> fields.put(name, token == JsonToken.VALUE_TRUE);
                    case VALUE_NULL -> fields.remove(name);
                    default -> throw NOT_FLAT; // an object, an array, a fraction: not a message of these
                }
            }
            if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != null) {
                throw NOT_FLAT;
            }
        }
        return fields;
    }

    private static <T> T field(Map<String, Object> fields, String name, Class<T> type) throws NotFlat {
        Object value = fields.get(name);
        if (value == null || type.isInstance(value)) {
            return type.cast(value);
        }
        throw NOT_FLAT;
    }

    private static Integer integer(Map<String, Object> fields, String name) throws NotFlat {
        Long value = field(fields, name, Long.class);
        if (value != null && value != value.intValue()) {
            throw NOT_FLAT;
        }
        return value == null ? null : value.intValue();
    }

    private static void telemetry(JsonGenerator json, TelemetryReport t) throws IOException {
        json.writeStartObject();
        json.writeNumberField("intervalMs", t.intervalMs());
        string(json, "lag", t.lag());
        if (t.lagBuckets() != null) {
            json.writeFieldName("lagBuckets");
            json.writeArray(t.lagBuckets(), 0, t.lagBuckets().length);
        }
        json.writeNumberField("lagSumUs", t.lagSumUs());
        json.writeArrayFieldStart("loops");
        for (TelemetryReport.LoopReport loop : t.loops()) {
            json.writeStartObject();
            string(json, "name", loop.name());
            lag(json, "lag", loop.lag());
            json.writeNumberField("pendingTasks", loop.pendingTasks());
            json.writeNumberField("stalledMs", loop.stalledMs());
            json.writeEndObject();
        }
        json.writeEndArray();
        string(json, "jvmLag", t.jvmLag());
        json.writeNumberField("heapUsedBytes", t.heapUsedBytes());
        json.writeNumberField("heapCommittedBytes", t.heapCommittedBytes());
        json.writeNumberField("heapMaxBytes", t.heapMaxBytes());
        json.writeNumberField("gcCount", t.gcCount());
        json.writeNumberField("gcPauseMs", t.gcPauseMs());
        json.writeNumberField("threads", t.threads());
        json.writeNumberField("cpuTimeMs", t.cpuTimeMs());
        lag(json, "summary", t.summary());
        json.writeNumberField("liveBytes", t.liveBytes());
        json.writeArrayFieldStart("pools");
        for (PoolReport pool : t.pools()) {
            json.writeStartObject();
            string(json, "name", pool.name());
            string(json, "kind", pool.kind());
            json.writeNumberField("active", pool.active());
            json.writeNumberField("max", pool.max());
            json.writeNumberField("queued", pool.queued());
            json.writeNumberField("rejections", pool.rejections());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void lag(JsonGenerator json, String name, LagSummary lag) throws IOException {
        if (lag != null) {
            json.writeObjectFieldStart(name);
            json.writeNumberField("p50Ms", lag.p50Ms());
            json.writeNumberField("p90Ms", lag.p90Ms());
            json.writeNumberField("p99Ms", lag.p99Ms());
            json.writeNumberField("maxMs", lag.maxMs());
            json.writeNumberField("samples", lag.samples());
            json.writeEndObject();
        }
    }

    private static void blocked(JsonGenerator json, BlockedReport b) throws IOException {
        json.writeStartObject();
        string(json, "loop", b.loop());
        json.writeNumberField("durationMs", b.durationMs());
        json.writeNumberField("startedAtEpochMs", b.startedAtEpochMs());
        json.writeArrayFieldStart("stack");
        for (String frame : b.stack()) {
            json.writeString(frame);
        }
        json.writeEndArray();
        json.writeBooleanField("paused", b.paused());
        json.writeNumberField("waitedMs", b.waitedMs());
        json.writeEndObject();
    }

    private static void string(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    private static void number(JsonGenerator json, String name, Long value) throws IOException {
        if (value != null) {
            json.writeNumberField(name, value);
        }
    }

    private static void bool(JsonGenerator json, String name, Boolean value) throws IOException {
        if (value != null) {
            json.writeBooleanField(name, value);
        }
    }
}
