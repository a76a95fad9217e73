package dev.cluster.config;

import dev.cluster.home.SafePaths;
import dev.cluster.home.UnsafePath;
import dev.cluster.protocol.AppSpec;
import dev.cluster.protocol.Env;
import dev.cluster.worker.LibraryJar;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * Checks an {@link AppSpec} before anything starts. Each problem is one line that names what is
 * wrong and how to fix it; the first one found is returned.
 */
public final class AppSpecValidator {
    /**
     * What is wrong, and the option it is wrong in (its key, as an ecosystem file names it, which
     * points at that line), or null when no one option is to blame.
     */
    public record Problem(String option, String message) {
    }

    /** Names become file names in the log directory: no '/', and no leading '.', so never "..". */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    public static final int MAX_INSTANCES = 1024;

    private AppSpecValidator() {
    }

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Makes a valid app name out of a file name: "my app.jar" becomes "my-app". */
    public static String nameFrom(String fileName) {
        String base = fileName.endsWith(".jar") ? fileName.substring(0, fileName.length() - 4) : fileName;
        String cleaned = base.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[._-]+", "");
        cleaned = cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned;
        return cleaned.isEmpty() ? "app" : cleaned;
    }

    /**
     * @param running the specs of the apps already supervised
     * @return the problem, or empty when the spec can run
     */
    public static Optional<Problem> problem(AppSpec spec, Collection<AppSpec> running) {
        if (!validName(spec.name())) {
            return problemIn("name", "invalid app name '" + spec.name() + "': use up to 64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit (--name)");
        }
        for (AppSpec other : running) {
            if (other.name().equals(spec.name())) {
                return problemIn("name", "an app named '" + spec.name() + "' already exists: pick another --name, "
                        + "or use 'cluster restart " + spec.name() + "' or 'cluster delete " + spec.name() + "'");
            }
        }
        // Every option's own bounds, as declared (a spec may come from a saved apps.json or an older CLI).
        for (StartOption option : StartOptions.regular()) {
            String outOfRange = option.outOfRange(spec);
            if (outOfRange != null) {
                return problemIn(option.key(), outOfRange);
            }
        }
        if (spec.standby() > 0 && AppSpec.BIND_SELF.equals(spec.bind())) {
            return problemIn("standby", "--standby needs --bind handoff: a standby waits for its slot's socket, which with --bind self it would bind itself");
        }
        if (spec.standby() > 0 && !spec.restartsOnExit()) {
            return problemIn("standby", "--standby needs --autorestart on: a standby takes over from a worker that died, which "
                    + "--autorestart off leaves stopped; drop one of them");
        }
        if (spec.logs().dateFormat() != null) {
            try {
                DateTimeFormatter.ofPattern(spec.logs().dateFormat()).withZone(ZoneId.systemDefault()).format(Instant.now());
            } catch (RuntimeException e) {
                return problemIn("log-date-format", "--log-date-format '" + spec.logs().dateFormat() + "' is not a usable date pattern ("
                        + e.getMessage() + "): use e.g. \"yyyy-MM-dd HH:mm:ss.SSS\"");
            }
        }
        Optional<Problem> env = envProblem(spec);
        if (env.isPresent()) {
            return env;
        }
        Optional<Problem> cannotStart = cannotStart(spec);
        if (cannotStart.isPresent()) {
            return cannotStart;
        }
        return portProblem(spec, running);
    }

    /**
     * What a start of a worker of this spec would fail on at once: its directory, jar, program or java gone (a deploy
     * that went wrong) or no longer ours alone. Asked again before a restart, reload or scale of a running app, so
     * that its workers keep serving rather than being stopped for replacements that cannot start.
     */
    public static Optional<Problem> cannotStart(AppSpec spec) {
        if (spec.cwd() == null || !Files.isDirectory(Path.of(spec.cwd()))) {
            return problemIn("cwd", "working directory " + spec.cwd() + " does not exist: use --cwd with an existing directory");
        }
        return programProblem(spec);
    }

    /** The variables the supervisor sets in every worker, which an {@code --env} of the same name would not change. */
    private static final List<String> SET_BY_THE_SUPERVISOR = List.of(Env.WORKER_ID, Env.INSTANCES, Env.APP, Env.WORKER_SOCKET,
            Env.KILL_TIMEOUT_MS, Env.BIND, Env.BLOCK_THRESHOLD_MS, Env.STANDBY, Env.SHARED_PORT, Env.TRAINING);

    /** An {@code --env} the workers would never see: the supervisor's own value replaces it. */
    private static Optional<Problem> envProblem(AppSpec spec) {
        for (String name : Env.PORT_NAMES) {
            String port = spec.env().get(name);
            if (port != null && !port.equals(Integer.toString(spec.port()))) {
                return problemIn("env", "--env " + name + "=" + port + ": every worker gets " + name + " from --port (" + spec.port()
                        + "): use --port " + port + " instead");
            }
        }
        for (String name : spec.env().keySet()) {
            if (SET_BY_THE_SUPERVISOR.contains(name) || name.equals(Env.PROCESSORS) && spec.shared()) {
                return problemIn("env", "--env " + name + ": the supervisor sets " + name + " in every worker (see README, Environment), "
                        + "so this value would never be seen: drop it" + (name.equals(Env.PROCESSORS) ? ", or set --share off" : ""));
            }
        }
        return Optional.empty();
    }

    private static Optional<Problem> problemIn(String option, String message) {
        return Optional.of(new Problem(option, message));
    }

    /**
     * What {@code java -jar} would refuse, said before an app is added whose every worker would exit at
     * once (a crash loop to errored): a file that is no zip (a copy cut short), or no {@code Main-Class}.
     */
    private static Optional<Problem> notRunnable(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS) == null) {
                return problemIn("jar", jar + " has no Main-Class in its manifest, so 'java -jar' cannot run it: build it as an executable jar "
                        + "(Spring Boot's repackage goal, or a Main-Class in the jar plugin's manifest), or name its class: "
                        + "cluster start -- java -cp " + jar + " com.example.Main");
            }
            return Optional.empty();
        } catch (IOException e) {
            return problemIn("jar", jar + " is not a jar that can be read (" + e.getMessage() + "): give a whole jar (a copy cut short, or another kind of file?)");
        }
    }

    private static Optional<Problem> programProblem(AppSpec spec) {
        if ((spec.jar() == null) == spec.command().isEmpty()) {
            return problemIn(null, "give either a jar or a command after '--', e.g. 'cluster start app.jar' or 'cluster start -- ./server'");
        }
        if (spec.jar() != null) {
            Path jar = Path.of(spec.jar());
            if (!Files.isRegularFile(jar)) {
                return problemIn("jar", "jar not found: " + jar + " (check the path; relative paths are resolved from the current directory)");
            }
            if (!Files.isReadable(jar)) {
                return problemIn("jar", "jar not readable: " + jar + " (check its permissions)");
            }
            Optional<Problem> untrusted = untrusted(jar, "jar", "jar");
            if (untrusted.isPresent()) {
                return untrusted;
            }
            Optional<Problem> notRunnable = notRunnable(jar);
            return notRunnable.isPresent() ? notRunnable : javaProblem(spec);
        }
        Optional<Problem> java = javaProblem(spec);
        if (java.isPresent()) {
            return java;
        }
        String program = spec.command().get(0);
        if (program.contains("/")) {
            Path p = Path.of(spec.cwd()).resolve(program);
            if (Files.isDirectory(p)) {
                return problemIn("command", p.normalize() + " is a directory: give a jar (its name ends in .jar) or a program to run");
            }
            if (!Files.isRegularFile(p)) {
                return problemIn("command", "command not found: " + p.normalize() + " (check the path; relative paths are resolved from the current directory)");
            }
            if (!Files.isExecutable(p)) {
                return problemIn("command", p.normalize() + " is not executable: 'chmod +x' it, or name its interpreter first (-- sh " + program
                        + "); a jar's name ends in .jar");
            }
            return untrusted(p, "program", "command");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = dir.isEmpty() ? null : Path.of(dir, program);
            if (p != null && Files.isRegularFile(p) && Files.isExecutable(p)) {
                return untrusted(p, "program", "command"); // the one the worker's exec will find first
            }
        }
        // A file of that name here: the user meant it, and a shell would not run it without a path either.
        return problemIn("command", "command '" + program + "' not found on the supervisor's PATH: give its full path"
                + (Files.exists(Path.of(spec.cwd()).resolve(program)) ? " (for the file in this directory: ./" + program + ")" : ""));
    }

    /** {@code --java}: for a jar app only, a java executable (made absolute by {@link StartOptions#withJavaIn}); the agent needs Java 17 or later. */
    private static Optional<Problem> javaProblem(AppSpec spec) {
        if (spec.java() == null) {
            return Optional.empty();
        }
        if (spec.jar() == null) {
            return problemIn("java", "--java is for a jar app (the supervisor builds its java command line); a command names its own program");
        }
        Path java = Path.of(spec.java());
        if (!java.isAbsolute() || !Files.isRegularFile(java) || !Files.isExecutable(java)) {
            return problemIn("java", "--java " + java + " is not a java executable: give the path of one (JDK/bin/java) or of a JDK's home");
        }
        Optional<Problem> untrusted = untrusted(java, "--java", "java");
        if (untrusted.isPresent()) {
            return untrusted;
        }
        // Not in a JDK's layout (no release file): the version cannot be told before it starts; a failure then shows its output.
        Optional<JavaRelease> release = JavaRelease.of(java);
        if (spec.agent() && release.isPresent() && release.get().feature() < 17) {
            return problemIn("java", "--java " + java + " is Java " + release.get().feature() + ": the agent needs Java 17 or later; run it with "
                    + "--no-agent, or use a newer JDK");
        }
        return Optional.empty();
    }

    /** What a worker runs must be changeable by no one but us and root (see {@link SafePaths#requireTrusted}). */
    private static Optional<Problem> untrusted(Path file, String what, String option) {
        try {
            SafePaths.requireTrusted(file, what);
            return Optional.empty();
        } catch (UnsafePath e) {
            return problemIn(option, e.getMessage());
        }
    }

    /**
     * Two apps on one port would have the kernel mix their traffic, and a port held by a process that
     * did not set SO_REUSEPORT would make every worker fail to bind. The probe binds without
     * listening, so it never takes a connection meant for someone else. An app that serves no port
     * ({@code --listen-timeout 0}: a queue consumer, a job) claims none: two of them, and a web app, all
     * on the default port, is no clash.
     */
    private static Optional<Problem> portProblem(AppSpec spec, Collection<AppSpec> running) {
        if (spec.sharedPort() == spec.port()) {
            return problemIn("shared-port", "--shared-port " + spec.sharedPort() + " is the app's --port, which is shared already: drop --shared-port");
        }
        if (spec.sharedPort() > 0 && (spec.jar() == null || !spec.agent() || LibraryJar.is(spec.jar()))) {
            return problemIn("shared-port", "--shared-port needs the agent, which shares it: start the app as a jar without --no-agent "
                    + "(a program, or a jar that bundles the cluster library, gives its own sockets SO_REUSEPORT)");
        }
        for (int port : new int[] {spec.port(), spec.sharedPort()}) {
            if (port == 0 || port == spec.port() && spec.servesNoPort()) {
                continue;
            }
            String option = port == spec.port() ? "port" : "shared-port";
            for (AppSpec other : running) {
                if (other.port() == port && !other.servesNoPort() || other.sharedPort() == port) {
                    return problemIn(option, "port " + port + " is already used by app '" + other.name() + "': choose another --" + option);
                }
            }
            try (SocketChannel probe = SocketChannel.open()) {
                probe.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                probe.bind(new InetSocketAddress("0.0.0.0", port));
            } catch (IOException e) {
                return problemIn(option, cannotBind(port, e, "--" + option));
            }
        }
        return Optional.empty();
    }

    /** Why the probe could not bind the port, and the fix: a privileged port (EACCES) is not one in use. */
    static String cannotBind(int port, IOException e, String option) {
        if (e.getMessage() != null && e.getMessage().contains("Permission denied")) {
            return "port " + port + " is privileged: only root, or a java given CAP_NET_BIND_SERVICE, can bind a port below "
                    + "net.ipv4.ip_unprivileged_port_start (1024 by default); choose " + option + " 1024 or above and put a proxy or a "
                    + "firewall redirect in front of it";
        }
        return "port " + port + " is in use by another process that does not share it (no SO_REUSEPORT, "
                + "or another user): stop it or choose another " + option + " (see 'ss -ltnp sport = :" + port + "')";
    }

    /** {@code reload --update-env}: the new environment, JVM options and java, checked before anything changes. */
    public static AppSpec reloaded(AppSpec spec, Map<String, String> env, List<String> jvmArgs, String java) {
        AppSpec next = spec;
        if (env != null) {
            if (env.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
                throw new IllegalArgumentException("--env takes KEY=VALUE pairs, each with a name and a value");
            }
            next = next.withEnv(env);
            Optional<Problem> problem = envProblem(next);
            if (problem.isPresent()) {
                throw new IllegalArgumentException(problem.get().message());
            }
        }
        if (jvmArgs != null) {
            if (jvmArgs.stream().anyMatch(a -> a == null)) {
                throw new IllegalArgumentException("--jvm-args holds an empty option");
            }
            next = next.withJvmArgs(jvmArgs);
        }
        if (java != null) {
            next = next.toBuilder().java(java).build();
            Optional<Problem> problem = javaProblem(next);
            if (problem.isPresent()) {
                throw new IllegalArgumentException(problem.get().message());
            }
        }
        return next;
    }

    /**
     * {@code scale}'s count, N, +N, -N or max (one per core, as {@code -i max}), of an app running {@code current}
     * workers: the number it asks for, or why it cannot be.
     */
    public static int scaled(String count, int current, String app) {
        boolean relative = count != null && (count.startsWith("+") || count.startsWith("-"));
        long asked;
        try {
            asked = "max".equals(count) ? Runtime.getRuntime().availableProcessors()
                    : relative ? current + Long.parseLong(count) : Long.parseLong(count);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("scale takes N, +N, -N or max workers (got '" + count + "')");
        }
        if (asked < 1 || asked > MAX_INSTANCES) {
            throw new IllegalArgumentException("an app runs 1 to " + MAX_INSTANCES + " workers (asked for "
                    + (relative ? current + " " + count.charAt(0) + " " + count.substring(1) + " = " : "") + asked
                    + "); to stop it use 'cluster stop " + app + "'");
        }
        return (int) asked;
    }
}
