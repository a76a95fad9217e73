package dev.cluster.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs inside a private network namespace (see {@link SelfBindReloadIT}): starts worker-app with
 * {@code --bind self}, reloads it under load from {@link LoadClient}, prints
 * {@code ok=N failed=M}, and stops the supervisor. Everything it talks to is in the same namespace.
 */
public final class ReloadUnderLoad {
    public static void main(String[] args) throws Exception {
        String clusterJar = args[0];
        String appJar = args[1];
        int port = Integer.parseInt(args[2]);
        int reloads = Integer.parseInt(args[3]);
        int exit = 0;
        try {
            run(clusterJar, "start", appJar, "-i", "2", "--port", Integer.toString(port), "--name", "web", "--bind", "self");
            LoadClient load = new LoadClient(port, 4, 4);
            try {
                Thread.sleep(500);
                for (int i = 0; i < reloads; i++) {
                    run(clusterJar, "reload", "web");
                }
                Thread.sleep(300);
            } finally {
                load.close();
            }
            System.out.println("ok=" + load.ok() + " failed=" + load.failed() + " " + load.failures());
        } catch (IOException e) {
            System.out.println("error: " + e.getMessage());
            exit = 1;
        } finally {
            run(clusterJar, "kill");
        }
        System.exit(exit);
    }

    private static void run(String clusterJar, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", clusterJar));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("cluster " + String.join(" ", args) + " failed: " + out);
        }
    }
}
