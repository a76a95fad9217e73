package dev.cluster.cli;

import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "metrics",
        description = {"Print every worker's metrics in the Prometheus text format, or serve them for scraping.",
                "  cluster metrics                 print once",
                "  cluster metrics --serve 9209    serve http://127.0.0.1:9209/metrics while the supervisor runs (0 stops)"})
final class MetricsCommand implements Callable<Integer> {
    @Option(names = "--serve", paramLabel = "PORT", description = "Serve /metrics on 127.0.0.1:PORT (loopback only); 0 stops serving.")
    Integer port;

    @Override
    public Integer call() {
        ControlClient client = new ControlClient(ControlClient.verifiedHome());
        if (port == null) {
            if (!client.daemonRunning()) {
                throw new UserError("no supervisor is running, so there are no metrics: start an app with 'cluster start app.jar'");
            }
            System.out.print(ControlClient.ok(client.call(new Request.Metrics(null))).message());
            return 0;
        }
        Response response = ControlClient.ok(client.callStartingDaemon(new Request.Metrics(port)));
        System.out.println(response.message());
        return 0;
    }
}
