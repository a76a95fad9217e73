package dev.cluster.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A message on the worker socket, a record per kind; on the wire a JSON object whose {@code type}
 * names it. Worker to supervisor: {@link Hello} (who I am), {@link Ready} (serving),
 * {@link Metrics} (telemetry of the last second), {@link Blocked} (an event loop stall that just
 * ended), {@link Watch} (my death watch is armed), and on a connection of its own {@link Listen}
 * (send me my slot's listening socket; the answer is the file descriptor itself, over SCM_RIGHTS). Supervisor to worker: {@link Shutdown},
 * and to a standby that takes over a slot, {@link Assigned}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = WorkerMessage.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = WorkerMessage.Ready.class, name = "ready"),
        @JsonSubTypes.Type(value = WorkerMessage.Listen.class, name = "listen"),
        @JsonSubTypes.Type(value = WorkerMessage.Metrics.class, name = "metrics"),
        @JsonSubTypes.Type(value = WorkerMessage.Blocked.class, name = "blocked"),
        @JsonSubTypes.Type(value = WorkerMessage.Watch.class, name = "watch"),
        @JsonSubTypes.Type(value = WorkerMessage.Shutdown.class, name = "shutdown"),
        @JsonSubTypes.Type(value = WorkerMessage.Assigned.class, name = "assigned")})
public sealed interface WorkerMessage {
    /**
     * Who I am. With {@code agent} true it comes from the agent of an app without the library: the
     * supervisor takes its reports but keeps judging readiness by the port and stopping the process
     * with SIGTERM. A library app's own hello follows on the same connection: it says ready itself,
     * and drains when asked.
     */
    record Hello(String app, Integer workerId, Long pid, Boolean agent) implements WorkerMessage {
    }

    record Ready() implements WorkerMessage {
    }

    /**
     * Send me my slot's listening socket, bound on {@code host} and the app's port. The library takes
     * it as it comes; the agent of an unmodified app ({@code agent} true) puts it in place of the
     * socket the app just bound, so it asks for one of that socket's family ({@code ipv6}), and says
     * which port it bound ({@code port}; null from the library): in a training start, the app's port
     * or its {@code --shared-port}.
     */
    record Listen(String host, Boolean ipv6, Boolean agent, Integer port) implements WorkerMessage {
    }

    record Metrics(TelemetryReport telemetry) implements WorkerMessage {
    }

    record Blocked(BlockedReport blocked) implements WorkerMessage {
    }

    /**
     * My death watch is armed ({@link DeathWatch}): {@code pid} is its child, which the kernel kills
     * when my thread {@code thread} ends, that is, as this process dies.
     */
    record Watch(Long pid, Long thread) implements WorkerMessage {
    }

    /** Drain and exit. */
    record Shutdown() implements WorkerMessage {
    }

    /** To a standby: you are worker {@code workerId} now; your listening sockets follow on your listen connection. */
    record Assigned(int workerId) implements WorkerMessage {
    }
}
