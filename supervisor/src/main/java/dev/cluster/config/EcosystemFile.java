package dev.cluster.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.cluster.home.SafePaths;
import dev.cluster.home.UnsafePath;
import dev.cluster.protocol.AppSpec;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ecosystem file, {@code cluster.yaml} or {@code cluster.json}: several apps, each with every
 * option {@code cluster start} has, under the option's own name ({@code kill-timeout: 5s}), an
 * {@code env} block and {@code env-NAME} blocks chosen with {@code --env NAME}. The whole file is
 * checked before anything starts; a problem names the file, line, column and option, and a
 * misspelt option gets the nearest valid one. Paths are relative to the file's directory.
 * The JSON Schema {@code cluster.schema.json} at the repository root describes the same keys.
 */
public final class EcosystemFile {
    /** The options an app takes (their declarations, {@link StartOptions}); {@code env-NAME} blocks besides. */
    public static final Set<String> APP_KEYS = Collections.unmodifiableSet(new LinkedHashSet<>(StartOptions.ALL.stream().map(StartOption::key).toList()));
    private static final String ENV_PREFIX = "env-";
    /**
     * What an ecosystem file written for PM2, or from our own command line, says that has another name here, or no place: the
     * keys edit distance does not find (PM2's snake_case ones that match ours, as {@code kill_timeout}, it does).
     */
    private static final String LOGS_HERE = "logs are always $CLUSTER_HOME/logs/APP-ID-out.log and -err.log ('merge-logs' for one pair per app); remove it";
    private static final Map<String, String> NAMED_OTHERWISE = Map.ofEntries(
            Map.entry("script", "PM2's 'script' is 'jar' here (for a jar) or 'command' (anything else)"),
            Map.entry("exec_mode", "not needed here: every worker is a process of its own and they share the port; remove it"),
            Map.entry("interpreter", "the JDK a jar app runs on is 'java' here (a java executable or a JDK's home)"),
            Map.entry("interpreter_args", "JVM options are 'jvm-args' here"),
            Map.entry("node_args", "JVM options are 'jvm-args' here"),
            Map.entry("watch", "nothing watches files here: deploy, then 'cluster reload APP' (zero downtime); remove it"),
            Map.entry("ignore_watch", "nothing watches files here; remove it"),
            Map.entry("out_file", LOGS_HERE),
            Map.entry("error_file", LOGS_HERE),
            Map.entry("log_file", LOGS_HERE),
            Map.entry("pid_file", "no pid files here: 'cluster list --json' gives every worker's pid; remove it"),
            Map.entry("wait_ready", "readiness is automatic here (the library's ready, else listening on 'port'); 'listen-timeout' bounds it; remove it"),
            Map.entry("exp_backoff_restart_delay", "the back-off is always on here: 'restart-delay' is its first step"),
            Map.entry("cron_restart", "no scheduled restarts here: a cron job or systemd timer running 'cluster reload APP' does it without downtime"),
            Map.entry("time", "'log-date-format' here, with a java.time pattern"),
            Map.entry("no-agent", "the command line's --no-agent is 'agent: false' in a file"));

    /** A problem in the file, as one line. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** A value in the file and where it is written (for a map entry: where its key is). */
    private record Node(Object value, int line, int column) {
        @SuppressWarnings("unchecked")
        Map<String, Node> map() {
            return (Map<String, Node>) value;
        }

        @SuppressWarnings("unchecked")
        List<Node> list() {
            return (List<Node>) value;
        }
    }

    private final Path file;
    private final String shown;

    private EcosystemFile(Path file) {
        this.file = ShellPath.absolute(file);
        this.shown = file.toString();
    }

    /** Whether a program argument names an ecosystem file rather than a jar or a command. */
    public static boolean names(String program) {
        return program.endsWith(".yaml") || program.endsWith(".yml") || program.endsWith(".json");
    }

    /**
     * The apps of the file as specs, each with {@code env-ENVIRONMENT} merged over {@code env}
     * when {@code environment} is given, only those in {@code only} when it is not empty.
     */
    public static List<AppSpec> read(Path file, String environment, Set<String> only, int cores) throws Invalid {
        return new EcosystemFile(file).apps(environment, only, cores);
    }

    private List<AppSpec> apps(String environment, Set<String> only, int cores) throws Invalid {
        Node root = parse();
        if (!(root.value() instanceof Map)) {
            throw at(root, "the file must be a map with an 'apps' list, e.g. apps: [{name: web, jar: app.jar}]");
        }
        for (Map.Entry<String, Node> e : root.map().entrySet()) {
            if (!e.getKey().equals("apps")) {
                throw at(e.getValue(), "unknown key '" + e.getKey() + "'" + suggestion(e.getKey(), Set.of("apps")) + ": the file has one key, 'apps'");
            }
        }
        Node apps = root.map().get("apps");
        if (apps == null) {
            throw at(root, "no 'apps' list: add apps: [{name: web, jar: app.jar}]");
        }
        if (!(apps.value() instanceof List) || apps.list().isEmpty()) {
            throw at(apps, "'apps' must be a list with at least one app");
        }
        List<AppSpec> specs = new ArrayList<>();
        Map<String, Node> names = new LinkedHashMap<>();
        boolean environmentFound = environment == null;
        for (Node app : apps.list()) {
            if (!(app.value() instanceof Map)) {
                throw at(app, "each app must be a map of options, e.g. {name: web, jar: app.jar}");
            }
            environmentFound |= app.map().containsKey(ENV_PREFIX + environment);
            AppSpec spec = spec(app, environment, cores);
            Node earlier = names.put(spec.name(), app);
            if (earlier != null) {
                throw at(app, "two apps are named '" + spec.name() + "' (the other at line " + earlier.line() + "): names must be unique");
            }
            specs.add(spec);
        }
        if (!environmentFound) {
            throw new Invalid(shown + ": no app has an 'env-" + environment + "' block for --env " + environment
                    + ": add one, or leave --env out");
        }
        for (String name : only) {
            if (!names.containsKey(name)) {
                throw new Invalid(shown + ": --only " + name + ": no app of that name in the file (it has " + String.join(", ", names.keySet()) + ")");
            }
        }
        for (int i = 0; i < specs.size(); i++) {
            var problem = AppSpecValidator.problem(specs.get(i), specs.subList(0, i));
            if (problem.isPresent()) {
                Node app = apps.list().get(i);
                Node option = problem.get().option() == null ? null : app.map().get(problem.get().option());
                throw at(option != null ? option : app, "app '" + specs.get(i).name() + "': " + problem.get().message());
            }
        }
        return specs.stream().filter(s -> only.isEmpty() || only.contains(s.name())).toList();
    }

    private AppSpec spec(Node app, String environment, int cores) throws Invalid {
        Map<String, Node> o = app.map();
        String label = o.get("name") != null && o.get("name").value() instanceof String n ? "app '" + n + "': " : "";
        for (Map.Entry<String, Node> e : o.entrySet()) {
            String key = e.getKey();
            if (!APP_KEYS.contains(key) && !key.startsWith(ENV_PREFIX)) {
                String instead = key.startsWith("env_") ? "PM2's 'env_NAME' is 'env-" + key.substring(4) + "' here" : NAMED_OTHERWISE.get(key);
                throw at(e.getValue(), label + "unknown option '" + key + "'" + (instead != null ? ": " + instead : suggestion(key, APP_KEYS)));
            }
        }
        Node nameNode = o.get("name");
        if (nameNode == null) {
            throw at(app, "an app needs a 'name'");
        }
        String name = text(nameNode, label, "name");
        Node jarNode = o.get("jar");
        Node commandNode = o.get("command");
        if ((jarNode == null) == (commandNode == null)) {
            throw at(app, label + "give either 'jar' (a jar file) or 'command' (a program and its arguments), not " + (jarNode == null ? "neither" : "both"));
        }
        Path dir = file.getParent();
        Path cwd = o.containsKey("cwd") ? dir.resolve(text(o.get("cwd"), label, "cwd")).normalize() : dir;
        String jar = jarNode == null ? null : cwd.resolve(text(jarNode, label, "jar")).normalize().toString();
        if (jar != null && !Files.isRegularFile(Path.of(jar))) {
            throw at(jarNode, label + "'jar': " + jar + " does not exist: build it, or fix the path (relative to " + cwd + ")");
        }
        List<String> command = commandNode == null ? List.of() : words(commandNode, label, "command");
        if (commandNode != null && command.isEmpty()) {
            throw at(commandNode, label + "'command' is empty: give the program, e.g. command: [./server, --flag]");
        }
        Map<String, String> env = new LinkedHashMap<>(env(o.get("env"), label, "env"));
        if (environment != null) {
            env.putAll(env(o.get(ENV_PREFIX + environment), label, ENV_PREFIX + environment));
        }
        List<String> args = new ArrayList<>(command.size() > 1 ? command.subList(1, command.size()) : List.of());
        args.addAll(o.containsKey("args") ? words(o.get("args"), label, "args") : List.of());
        AppSpec.Builder spec = AppSpec.builder().name(name).jar(jar).command(command.isEmpty() ? List.of() : List.of(command.get(0)))
                .args(args).cwd(cwd.toString()).env(env);
        for (StartOption option : StartOptions.regular()) {
            Node node = o.get(option.key());
            if (node != null) {
                try {
                    option.set().accept(spec, option.read(plain(node), cores));
                } catch (IllegalArgumentException e) {
                    throw at(node, label + StartOption.refusal("'" + option.key() + "'", e));
                }
            }
        }
        return StartOptions.withJavaIn(spec.build(), cwd);
    }

    /** A value as the declarations read it: texts, numbers, booleans, and lists of them. */
    private static Object plain(Node node) {
        return node.value() instanceof List ? node.list().stream().map(Node::value).toList() : node.value();
    }

    private Node parse() throws Invalid {
        boolean json = file.toString().endsWith(".json");
        JsonFactory factory = json ? new JsonFactory() : new YAMLFactory();
        try {
            if (Files.exists(file)) { // a missing one is reported as the parser finds it
                SafePaths.requireTrusted(file, "ecosystem file"); // it says what runs: it must be as safe as the programs
            }
        } catch (UnsafePath e) {
            throw new Invalid(e.getMessage());
        }
        try (JsonParser p = factory.createParser(file.toFile())) {
            if (p.nextToken() == null) {
                throw new Invalid(shown + ": the file is empty: it needs an 'apps' list, e.g. apps: [{name: web, jar: app.jar}]");
            }
            return node(p);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new Invalid(shown + (l == null ? "" : ":" + l.getLineNr() + ":" + l.getColumnNr()) + ": not valid " + (json ? "JSON" : "YAML")
                    + ": " + problem(e));
        } catch (java.io.FileNotFoundException e) { // its message repeats the path: "P (No such file or directory)"
            throw new Invalid(shown + ": " + (Files.exists(file) ? "cannot be read (check its permissions)" : "no such file"));
        } catch (IOException e) {
            throw new Invalid("cannot read " + shown + ": " + e.getMessage());
        }
    }

    /** The parser's words in one line: SnakeYAML's first line is only where it was ("while parsing a flow node"), its problem comes later. */
    private static String problem(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblem() != null) {
            String words = (yaml.getContext() == null ? "" : yaml.getContext() + ": ") + yaml.getProblem();
            // A block's start or end found where none belongs is what a line indented one space off gives.
            return words.contains("<block") ? words + " (check the indentation of this line and the one above)" : words;
        }
        return e.getOriginalMessage().lines().findFirst().orElse("");
    }

    private Node node(JsonParser p) throws IOException, Invalid {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        if (p instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            // The parser hands an alias over as its name: refused, rather than run a JVM with the text "a".
            throw new Invalid(shown + ":" + line + ":" + column + ": '*" + p.getText() + "' is a YAML alias, which cluster does not "
                    + "read: write the value out in full");
        }
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Node> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation keyAt = p.currentTokenLocation();
                    p.nextToken();
                    Node value = node(p);
                    Node entry = new Node(value.value(), keyAt.getLineNr(), keyAt.getColumnNr());
                    if (map.put(key, entry) != null) {
                        throw at(entry, "'" + key + "' is given twice in the same block: keep one");
                    }
                }
                return new Node(map, line, column);
            }
            case START_ARRAY -> {
                List<Node> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(node(p));
                }
                return new Node(list, line, column);
            }
            case VALUE_STRING -> {
                return new Node(p.getText(), line, column);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new Node(p.getNumberValue(), line, column);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Node(p.getBooleanValue(), line, column);
            }
            default -> {
                return new Node(null, line, column);
            }
        }
    }

    private Invalid at(Node node, String message) {
        return new Invalid(shown + ":" + node.line() + ":" + node.column() + ": " + message);
    }

    private String text(Node node, String label, String key) throws Invalid {
        if (node.value() instanceof String s && !s.isBlank()) {
            return s;
        }
        throw at(node, label + "'" + key + "' must be a non-empty text");
    }







    /** A list of texts, or one text split at spaces ({@code jvm-args: -Xmx512m -XX:+UseG1GC}). */
    private List<String> words(Node node, String label, String key) throws Invalid {
        if (node.value() instanceof String s) {
            return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
        }
        if (node.value() instanceof List) {
            List<String> words = new ArrayList<>();
            for (Node item : node.list()) {
                if (!(item.value() instanceof String || item.value() instanceof Number)) {
                    throw at(item, label + "'" + key + "' must be a list of texts (got " + shown(item) + ")");
                }
                words.add(String.valueOf(item.value()));
            }
            return words;
        }
        throw at(node, label + "'" + key + "' must be a text or a list of texts (got " + shown(node) + ")");
    }

    private Map<String, String> env(Node node, String label, String key) throws Invalid {
        if (node == null) {
            return Map.of();
        }
        if (!(node.value() instanceof Map)) {
            throw at(node, label + "'" + key + "' must be a map of variables, e.g. " + key + ": {LOG_LEVEL: info}");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : node.map().entrySet()) {
            Object v = e.getValue().value();
            if (v instanceof Map || v instanceof List || v == null) {
                throw at(e.getValue(), label + "'" + key + "." + e.getKey() + "' must be a text, number or true/false (got " + shown(e.getValue()) + ")");
            }
            env.put(e.getKey(), String.valueOf(v));
        }
        return env;
    }

    private static String shown(Node node) {
        Object v = node.value();
        return v instanceof Map ? "a map" : v instanceof List ? "a list" : v == null ? "nothing" : v instanceof String ? "'" + v + "'" : String.valueOf(v);
    }

    /** "; did you mean 'instances'?" for a key within two edits of a valid one, else nothing. */
    static String suggestion(String key, Set<String> valid) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : valid) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT).replace('_', '-'), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best == null ? " (valid: " + String.join(", ", valid) + ")" : ": did you mean '" + best + "'?";
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
