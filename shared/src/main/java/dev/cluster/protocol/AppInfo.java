package dev.cluster.protocol;

import java.util.List;

/** One app as {@code describe} shows it: its spec, the command line it runs, and its workers. */
public record AppInfo(AppSpec spec, List<String> commandLine, List<WorkerInfo> workers) {
}
