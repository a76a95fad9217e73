package zoo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot app with a database, as a Spring user writes one: Tomcat's request threads and a
 * HikariCP connection pool over an embedded H2. Nothing in it knows of a supervisor.
 */
@SpringBootApplication
@RestController
public class Main {
    private final JdbcTemplate jdbc;

    public Main(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public static void main(String[] args) {
        SpringApplication.run(Main.class, args);
    }

    @GetMapping("/")
    public String pid() {
        return ProcessHandle.current().pid() + "\n";
    }

    /** A slow query: holds a pooled connection for {@code ms}, as a report over a big table would. */
    @GetMapping("/db")
    public String db(@RequestParam(defaultValue = "200") long ms) {
        return jdbc.execute((ConnectionCallback<String>) connection -> {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (var statement = connection.createStatement(); var rows = statement.executeQuery("SELECT 1")) {
                rows.next();
                return "query " + rows.getInt(1) + " after " + ms + " ms\n";
            }
        });
    }
}
