package dev.cluster.cli;

import dev.cluster.protocol.Request;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "signal", description = {"Send a signal to workers, e.g. to make an app reopen its files or dump state.",
        "  cluster signal USR1 web        every worker of 'web'",
        "  cluster signal HUP web:2       one worker"})
final class SignalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SIGNAL", description = "HUP, INT, QUIT, USR1, USR2, TERM, KILL, CONT, STOP or WINCH (SIG prefix optional).")
    String signal;

    @Parameters(index = "1", paramLabel = "APP|APP:ID|ID|all", description = "Which workers.")
    String target;

    @Override
    public Integer call() {
        System.out.println(ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).call(new Request.Signal(signal, target))).message());
        return 0;
    }
}
