package dev.cluster.protocol;

import java.util.List;

/**
 * One app as {@code describe} shows it: its spec, the command line it runs, its workers, and the
 * lag of all its workers over the last 10 s (their histograms merged), each worker's share of
 * the machine in words, its standbys in words (null when it keeps none), and how long a starting
 * worker may take now, in words (learnt from its starts unless {@code --listen-timeout} fixes it).
 */
public record AppInfo(AppSpec spec, List<String> commandLine, List<WorkerInfo> workers, LagSummary lag, String share, String standbys,
        String readiness) {
}
