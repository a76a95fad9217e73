package dev.cluster.it;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints {@code ready}, waits for the trigger file, then prints COUNT numbered lines
 * ({@code <worker id>:<7 digits>}) through an 8 KB buffer, so lines are cut across writes as real
 * apps' are, then one line on stderr and {@code done}, and stays up. Args: TRIGGER COUNT.
 */
public final class LinePrinter {
    public static void main(String[] args) throws IOException, InterruptedException {
        Path trigger = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        String id = System.getenv().getOrDefault("CLUSTER_WORKER_ID", "0");
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 8192);
        out.write("ready\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        while (!Files.exists(trigger)) {
            Thread.sleep(20);
        }
        for (int n = 1; n <= count; n++) {
            out.write(String.format("%s:%07d%n", id, n).getBytes(StandardCharsets.US_ASCII));
        }
        System.err.println("worker " + id + " says \"done\" \\ on\tstderr");
        out.write("done\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
