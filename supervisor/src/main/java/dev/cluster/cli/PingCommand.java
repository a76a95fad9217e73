package dev.cluster.cli;

import dev.cluster.config.Durations;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "ping", description = "Start the supervisor daemon if it is not running, and show that it answers.")
final class PingCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Response.DaemonInfo d = ControlClient.ok(new ControlClient(ControlClient.verifiedHome()).callStartingDaemon(new Request.Ping())).daemon();
        System.out.println("pong: supervisor " + d.version() + ", pid " + d.pid() + ", up " + Durations.format(d.uptimeMs()) + ", home " + d.home());
        return 0;
    }
}
