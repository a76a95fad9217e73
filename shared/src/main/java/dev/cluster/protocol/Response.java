package dev.cluster.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's answer to one {@link Request}. When {@code ok} is false, {@code error} is one line
 * for the user and {@code details} (optional) are the lines that explain it, such as a worker's
 * last stderr lines. A response with {@code progress} is a step of a long command (reload): more
 * follow, and the last one has no {@code progress}; an empty {@code progress} is a heartbeat, sent
 * every second until the answer, so that a client can tell a long command from a supervisor that
 * does not answer. {@code lag} is the event-loop lag of the whole
 * cluster over the last 10 s (every worker's histograms merged), sent with worker lists.
 */
public record Response(boolean ok, String error, List<String> details, String message,
                       List<WorkerInfo> workers, List<AppInfo> apps, DaemonInfo daemon, String progress,
                       LagSummary lag) {

    /** "Still at it": see above. */
    public static final Response HEARTBEAT = progress("");

    public static Response ok(String message) {
        return new Response(true, null, null, message, null, null, null, null, null);
    }

    public static Response workers(String message, List<WorkerInfo> workers) {
        return new Response(true, null, null, message, workers, null, null, null, null);
    }

    public static Response apps(List<AppInfo> apps) {
        return new Response(true, null, null, null, null, apps, null, null, null);
    }

    public static Response daemon(DaemonInfo daemon) {
        return new Response(true, null, null, null, null, null, daemon, null, null);
    }

    /** One frame of {@code watch} (what {@code cluster monit} draws): the supervisor, every worker, the cluster's lag. */
    public static Response frame(DaemonInfo daemon, List<WorkerInfo> workers, LagSummary clusterLag) {
        return new Response(true, null, null, null, workers, null, daemon, null, clusterLag);
    }

    public static Response progress(String step) {
        return new Response(true, null, null, null, null, null, null, step, null);
    }

    /** The same answer with lines the user should read beside it (on success: a warning the CLI prints on stderr). */
    public Response withDetails(List<String> lines) {
        return new Response(ok, error, lines, message, workers, apps, daemon, progress, lag);
    }

    /** The same answer with one more line for the user beside it (as {@link #withDetails}); none if null. */
    public Response withNote(String line) {
        if (line == null) {
            return this;
        }
        List<String> lines = new ArrayList<>(details == null ? List.of() : details);
        lines.add(line);
        return withDetails(lines);
    }

    public Response withLag(LagSummary clusterLag) {
        return new Response(ok, error, details, message, workers, apps, daemon, progress, clusterLag);
    }

    public static Response error(String error) {
        return error(error, null);
    }

    public static Response error(String error, List<String> details) {
        return new Response(false, error, details, null, null, null, null, null, null);
    }

    /** The supervisor process itself, as {@code cluster ping} reports it. */
    public record DaemonInfo(long pid, String version, long uptimeMs, String home) {
    }
}
