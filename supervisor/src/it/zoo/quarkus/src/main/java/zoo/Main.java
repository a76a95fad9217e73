package zoo;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * A Quarkus REST app as generated: nothing in it knows of a supervisor. Quarkus runs it from its fast-jar
 * ({@code target/quarkus-app/quarkus-run.jar}, its classes read by Quarkus's own class loader) on Vert.x's event loops
 * (the methods are {@code @NonBlocking}); {@code /block} holds one 400 ms, as a handler that forgot {@code @Blocking}
 * would.
 */
@Path("/")
public class Main {
    @GET
    @NonBlocking
    public String pid() {
        return ProcessHandle.current().pid() + "\n";
    }

    @GET
    @Path("block")
    @NonBlocking
    public String block() {
        blockTheLoop();
        return "blocked\n";
    }

    static void blockTheLoop() {
        long end = System.nanoTime() + 400_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
