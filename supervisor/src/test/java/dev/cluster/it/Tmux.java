package dev.cluster.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real terminal for end-to-end tests of {@code cluster monit}: a tmux server of its own (socket
 * in the test's home, so its cleanup finds it), one pane, working in that home, of a fixed size running a command, keys
 * sent as a user types them, the screen read back as text. The pane prints the command's exit code
 * when it ends.
 */
final class Tmux implements AutoCloseable {
    private final Path socket;

    Tmux(Path home, int cols, int rows, List<String> command) {
        this.socket = home.resolve("tmux.sock");
        String line = "env CLUSTER_HOME=" + home + " " + String.join(" ", command) + "; echo EXIT=$?; sleep 600";
        run("-f", "/dev/null", "new-session", "-d", "-c", home.toString(), "-x", Integer.toString(cols), "-y", Integer.toString(rows), line);
    }

    String screen() {
        return run("capture-pane", "-p");
    }

    /** The screen with its colours and attributes as escape sequences. */
    String screenWithAttributes() {
        return run("capture-pane", "-p", "-e");
    }

    /** Resizes the window, as a user dragging the terminal's corner (monit gets SIGWINCH). */
    void resize(int cols, int rows) {
        run("resize-window", "-x", Integer.toString(cols), "-y", Integer.toString(rows));
    }

    String title() {
        return run("display-message", "-p", "#{pane_title}").trim();
    }

    void keys(String... keys) {
        List<String> args = new ArrayList<>(List.of("send-keys"));
        args.addAll(Arrays.asList(keys));
        run(args.toArray(String[]::new));
    }

    /** Waits until the screen satisfies {@code condition}; the failure shows the last screen. */
    String await(String what, Duration timeout, Predicate<String> condition) {
        long until = System.nanoTime() + timeout.toNanos();
        String last;
        do {
            last = screen();
            if (condition.test(last)) {
                return last;
            }
            ClusterFixture.sleep(200);
        } while (System.nanoTime() < until);
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; the screen:\n" + last);
    }

    private String run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(Arrays.asList(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError("tmux " + String.join(" ", args) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("tmux is needed for the monit tests (apt-get install tmux): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            run("kill-server");
        } catch (AssertionError e) {
            // already gone
        }
    }
}
