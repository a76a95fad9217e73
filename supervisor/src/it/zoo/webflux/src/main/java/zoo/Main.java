package zoo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring WebFlux app (Reactor Netty, on its epoll transport), as generated: nothing in it knows of a supervisor. Its
 * handlers run on Reactor Netty's event loops; {@code /block} holds one 400 ms, as a handler that forgot to move
 * blocking work to {@code Schedulers.boundedElastic()} would.
 */
@SpringBootApplication
@RestController
public class Main {
    public static void main(String[] args) {
        SpringApplication.run(Main.class, args);
    }

    @GetMapping("/")
    public String pid() {
        return ProcessHandle.current().pid() + "\n";
    }

    @GetMapping("/block")
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
