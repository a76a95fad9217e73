package dev.cluster.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.List;
import java.util.Map;

/**
 * One CLI request on the control socket, a record per command. On the wire it is a JSON object
 * whose {@code command} names the record ({@code {"v":1,"command":"stop","target":"web"}}); a
 * {@code target} is {@code all}, an app name, {@code app:id}, or a bare worker id.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "command")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Request.Ping.class, name = "ping"),
        @JsonSubTypes.Type(value = Request.Start.class, name = "start"),
        @JsonSubTypes.Type(value = Request.ListWorkers.class, name = "list"),
        @JsonSubTypes.Type(value = Request.Describe.class, name = "describe"),
        @JsonSubTypes.Type(value = Request.Stop.class, name = "stop"),
        @JsonSubTypes.Type(value = Request.Restart.class, name = "restart"),
        @JsonSubTypes.Type(value = Request.Delete.class, name = "delete"),
        @JsonSubTypes.Type(value = Request.Reload.class, name = "reload"),
        @JsonSubTypes.Type(value = Request.Scale.class, name = "scale"),
        @JsonSubTypes.Type(value = Request.Signal.class, name = "signal"),
        @JsonSubTypes.Type(value = Request.Metrics.class, name = "metrics"),
        @JsonSubTypes.Type(value = Request.Save.class, name = "save"),
        @JsonSubTypes.Type(value = Request.Resurrect.class, name = "resurrect"),
        @JsonSubTypes.Type(value = Request.Kill.class, name = "kill"),
        @JsonSubTypes.Type(value = Request.Watch.class, name = "watch")})
public sealed interface Request {
    /** The supervisor's pid, version, uptime and home. */
    record Ping() implements Request {
    }

    /** Add an app and start its workers. */
    record Start(AppSpec app) implements Request {
    }

    /**
     * Every worker. {@code output} ({@code table} or {@code json}) asks for the text the CLI prints,
     * rendered by the daemon, in the response's message; {@code colour} and {@code columns} (the terminal's
     * width, null or 0 for none) for the table.
     */
    record ListWorkers(String output, Boolean colour, Integer columns) implements Request {
    }

    /** Everything about the target's workers; the environment's values only with {@code showEnv}. */
    record Describe(String target, Boolean showEnv) implements Request {
    }

    record Stop(String target) implements Request {
    }

    /** Stops and starts the target's workers; with {@code down}, only those that are stopped or errored (the running ones are left alone). */
    record Restart(String target, Boolean down) implements Request {
    }

    /** Stop an app's workers and forget it ({@code target}: an app or {@code all}). */
    record Delete(String target) implements Request {
    }

    /**
     * A zero-downtime reload of an app or {@code all}, {@code parallel} workers at a time; new
     * {@code env}, {@code jvmArgs} and {@code java} (an absolute path) when not null ({@code --update-env}).
     */
    record Reload(String target, Integer parallel, Map<String, String> env, List<String> jvmArgs, String java) implements Request {
        /** The app's workers replaced as they are. */
        public static Reload asTheyAre(String target) {
            return new Reload(target, 1, null, null, null);
        }
    }

    /** {@code count}: N, +N or -N workers. */
    record Scale(String app, String count) implements Request {
    }

    /** {@code signal}: a name such as {@code USR1} or {@code SIGHUP}. */
    record Signal(String signal, String target) implements Request {
    }

    /** The Prometheus text; with a {@code port}, serve it there instead (0 stops serving). */
    record Metrics(Integer port) implements Request {
    }

    record Save() implements Request {
    }

    record Resurrect() implements Request {
    }

    /** Stop every worker, then the supervisor. */
    record Kill() implements Request {
    }

    /** A stream rather than an answer: a frame a second for {@code cluster monit}. */
    record Watch() implements Request {
    }
}
