package dev.cluster.it;

/**
 * A Java agent that does nothing: what a container or a systemd unit often puts in
 * {@code JAVA_TOOL_OPTIONS} for every JVM (OpenTelemetry's agent, a profiler's). Packed into a jar
 * of its own by the test that needs one ({@link #jar}).
 */
public final class NoOpAgent {
    private NoOpAgent() {
    }

    public static void premain(String args) {
        // nothing: its presence is the point
    }

    /** A jar in {@code dir} holding this class, with the manifest that makes it an agent. */
    static java.nio.file.Path jar(java.nio.file.Path dir) throws java.io.IOException {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", NoOpAgent.class.getName());
        java.nio.file.Path jar = dir.resolve("noop-agent.jar");
        String entry = NoOpAgent.class.getName().replace('.', '/') + ".class";
        try (var out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar), manifest);
             var in = NoOpAgent.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
        }
        return jar;
    }
}
