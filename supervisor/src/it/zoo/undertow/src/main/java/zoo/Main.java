package zoo;

import io.undertow.Undertow;
import io.undertow.util.Headers;

/**
 * Undertow 2.3 (XNIO on NIO), as its getting-started page has it. Its handler runs on an XNIO I/O thread; {@code /block}
 * holds that thread 400 ms, as a handler that forgot {@code exchange.dispatch()} for blocking work would.
 */
public class Main {
    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        Undertow server = Undertow.builder()
                .addHttpListener(port, "0.0.0.0")
                .setHandler(exchange -> {
                    if (exchange.getRequestPath().equals("/block")) {
                        blockTheLoop();
                    }
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                    exchange.getResponseSender().send(ProcessHandle.current().pid() + "\n");
                })
                .build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    }

    static void blockTheLoop() {
        long end = System.nanoTime() + 400_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
