package zoo;

import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.runtime.Micronaut;

/**
 * A Micronaut 4 app (Netty), as generated: nothing in it knows of a supervisor. Micronaut 4 runs a controller on its
 * Netty event loop unless told otherwise ({@code @ExecuteOn}); {@code /block} holds one 400 ms, as a handler that
 * forgot that would.
 */
@Controller
public class Main {
    public static void main(String[] args) {
        Micronaut.run(Main.class, args);
    }

    @Get(produces = MediaType.TEXT_PLAIN)
    public String pid() {
        return ProcessHandle.current().pid() + "\n";
    }

    @Get(uri = "/block", produces = MediaType.TEXT_PLAIN)
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
