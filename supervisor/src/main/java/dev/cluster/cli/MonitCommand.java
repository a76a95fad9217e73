package dev.cluster.cli;

import dev.cluster.home.Home;
import dev.cluster.logs.LogFiles;
import dev.cluster.monit.Monit;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp.Capability;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "monit", description = "The live dashboard: every worker's state, CPU, memory and event-loop lag, the selected one's history, logs. Keys: ? for help, q to quit.")
final class MonitCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        Home home = ControlClient.verifiedHome();
        ControlClient client = new ControlClient(home);
        ControlClient.warnIfDaemonIsOlder(home); // now, not on the full screen when an action is first sent
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            if (terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
                throw new UserError("monit needs an interactive terminal (stdin and stdout a TTY): for scripts use 'cluster list --json'");
            }
            Integer colours = terminal.getNumericCapability(Capability.max_colors);
            String noColor = System.getenv("NO_COLOR");
            boolean colour = (noColor == null || noColor.isEmpty()) && colours != null && colours >= 8;
            new Monit(terminal, home.controlSocket(), new LogFiles(home.logs()), request -> {
                try {
                    return ControlClient.ok(client.call(request)).message();
                } catch (UserError e) {
                    return e.getMessage();
                }
            }, worker -> {
                try {
                    return ProfileCommand.profile(home, client, worker, Monit.PROFILE_SECONDS, null, line -> { });
                } catch (UserError e) {
                    return e.getMessage();
                }
            }, colour).run();
        }
        return 0;
    }
}
