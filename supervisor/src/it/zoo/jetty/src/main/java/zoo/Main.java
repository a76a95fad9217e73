package zoo;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/** Jetty 12's core server with one handler, stopped by the JVM's shutdown hook as Jetty does it. */
public class Main {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        String pid = ProcessHandle.current().pid() + "\n";
        Server server = new Server(port);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.write(true, java.nio.ByteBuffer.wrap(pid.getBytes()), callback);
                return true;
            }
        });
        server.setStopAtShutdown(true);
        server.start();
        server.join();
    }
}
