package dev.cluster.monit;

import dev.cluster.logs.LogFiles;
import dev.cluster.monit.MonitModel.Column;
import dev.cluster.protocol.Request;
import dev.cluster.protocol.Response;
import dev.cluster.protocol.WorkerInfo;
import org.jline.keymap.BindingReader;
import org.jline.keymap.KeyMap;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * {@code cluster monit}: the loop that reads keys, takes the frames the {@link WatchStream} pushes,
 * follows the logs and redraws. Single-threaded for everything it shows; the stream and the
 * commands (restart, reload, stop) run on their own threads and hand their results over through
 * queues, so a slow reload never freezes the screen.
 */
public final class Monit {
    private static final long TICK_MS = 200;
    private static final long MESSAGE_MS = 6_000;
    /** What 'p' records of the selected worker. */
    public static final int PROFILE_SECONDS = 10;

    private enum Key { UP, DOWN, PAGE_UP, PAGE_DOWN, TAB, RESTART, RELOAD, STOP, PROFILE, LOGS, FILTER, HELP, QUIT, SORT_PREV, SORT_NEXT, REVERSE }

    private final Terminal terminal;
    private final Path controlSocket;
    private final LogPane logPane;
    private final Function<Request, String> control;
    private final Function<String, String> profiler;
    private final MonitScreen screen;
    private final MonitModel model = new MonitModel();
    private final Queue<Runnable> updates = new ConcurrentLinkedQueue<>();
    private final ExecutorService commands = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "monit-command");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean quit;
    private volatile boolean resized = true;
    private boolean help;
    private String message;
    private long messageAtMs;

    /**
     * @param control  sends one request and returns the supervisor's message, or the error to show
     * @param profiler profiles the worker APP:ID for {@link #PROFILE_SECONDS} and says where the flame graph is, or what went wrong
     */
    public Monit(Terminal terminal, Path controlSocket, LogFiles logs, Function<Request, String> control, Function<String, String> profiler,
                 boolean colour) {
        this.terminal = terminal;
        this.controlSocket = controlSocket;
        this.logPane = new LogPane(logs);
        this.control = control;
        this.profiler = profiler;
        this.screen = new MonitScreen(colour);
    }

    /** Runs until the user quits; the terminal is given back as it was found. */
    public void run() throws IOException {
        Attributes original = terminal.enterRawMode();
        terminal.handle(Terminal.Signal.WINCH, s -> resized = true);
        terminal.handle(Terminal.Signal.INT, s -> quit = true);
        terminal.puts(Capability.enter_ca_mode);
        terminal.puts(Capability.keypad_xmit);
        terminal.puts(Capability.cursor_invisible);
        terminal.flush();
        Display display = new Display(terminal, true);
        BindingReader reader = new BindingReader(terminal.reader());
        KeyMap<Key> keys = keyMap();
        try (WatchStream stream = new WatchStream(controlSocket, new WatchStream.Listener() {
            @Override
            public void frame(Response frame) {
                updates.add(() -> model.apply(frame, System.currentTimeMillis()));
            }

            @Override
            public void down(String why) {
                updates.add(() -> model.down = why);
            }
        })) {
            stream.start();
            while (!quit) {
                boolean dirty = applyUpdates();
                dirty |= logPane.poll(model.logsOfAll ? null : model.selected);
                if (resized) {
                    resized = false;
                    Size size = terminal.getSize();
                    display.clear();
                    display.resize(size.getRows(), size.getColumns());
                    dirty = true;
                }
                if (message != null && System.currentTimeMillis() - messageAtMs > MESSAGE_MS) {
                    message = null;
                    dirty = true;
                }
                if (dirty) {
                    draw(display, null);
                }
                int next = reader.peekCharacter(TICK_MS);
                if (next == NonBlockingReader.EOF) {
                    quit = true; // the terminal is gone (a dropped SSH session without SIGHUP)
                } else if (next >= 0) {
                    Key key = reader.readBinding(keys, null, false);
                    if (key != null) {
                        handle(key, display, reader);
                    }
                    draw(display, null);
                }
            }
        } finally {
            commands.shutdownNow();
            terminal.puts(Capability.cursor_visible);
            terminal.puts(Capability.keypad_local);
            terminal.puts(Capability.exit_ca_mode);
            terminal.setAttributes(original);
            terminal.flush();
        }
    }

    private boolean applyUpdates() {
        boolean any = false;
        for (Runnable update; (update = updates.poll()) != null; ) {
            try {
                update.run();
            } catch (RuntimeException e) {
                show("a frame monit could not read was skipped: " + e); // the next one comes in a second
            }
            any = true;
        }
        return any;
    }

    private void draw(Display display, String prompt) {
        Size size = terminal.getSize();
        int rows = Math.max(1, size.getRows());
        int cols = Math.max(10, size.getColumns());
        String footer = prompt != null ? prompt : message != null ? message : model.down != null && model.frame != null ? model.down : null;
        List<AttributedString> lines;
        try {
            lines = screen.render(model, logPane.lines(), footer, help, System.currentTimeMillis(), cols, rows);
        } catch (RuntimeException e) {
            // A bug in drawing must not take the dashboard down at 3 a.m.: say so and keep going.
            lines = List.of(new AttributedString("monit could not draw this frame: " + e + " (please report it); q quits"));
        }
        display.update(lines, -1);
        terminal.flush();
    }

    private void handle(Key key, Display display, BindingReader reader) {
        if (help) {
            help = false; // any key leaves the help
            return;
        }
        WorkerInfo selected = model.selectedWorker();
        boolean logs = model.focus == MonitModel.Pane.LOGS;
        switch (key) {
            case UP -> {
                if (logs) {
                    model.logScroll = Math.min(model.logScroll + 1, Math.max(0, logPane.lines().size() - 1));
                } else {
                    model.move(-1);
                }
            }
            case DOWN -> {
                if (logs) {
                    model.logScroll = Math.max(0, model.logScroll - 1);
                } else {
                    model.move(1);
                }
            }
            case PAGE_UP -> model.move(-10);
            case PAGE_DOWN -> model.move(10);
            case TAB -> {
                model.focus = logs ? MonitModel.Pane.TABLE : MonitModel.Pane.LOGS;
                model.logScroll = 0;
            }
            case LOGS -> {
                model.logsOfAll = !model.logsOfAll;
                model.logScroll = 0;
            }
            case SORT_NEXT, SORT_PREV -> {
                Column[] columns = Column.values();
                Column next = columns[Math.floorMod(model.sort.ordinal() + (key == Key.SORT_NEXT ? 1 : -1), columns.length)];
                model.sort = next;
                model.descending = next.ordinal() >= Column.UPTIME.ordinal(); // the biggest first for figures
            }
            case REVERSE -> model.descending = !model.descending;
            case HELP -> help = true;
            case QUIT -> quit = true;
            case FILTER -> {
                String text = readLine(display, reader, "show apps containing (Enter: apply, Esc: cancel): ", model.filter);
                if (text != null) {
                    model.filter = text.trim();
                    model.move(0);
                }
            }
            case RESTART -> {
                if (selected != null) {
                    send("restarting " + MonitModel.key(selected), new Request.Restart(MonitModel.key(selected), null));
                }
            }
            case STOP -> {
                if (selected != null && confirm(display, reader, "stop " + MonitModel.key(selected) + "? It stays stopped until 'r'. [y/N] ")) {
                    send("stopping " + MonitModel.key(selected), new Request.Stop(MonitModel.key(selected)));
                }
            }
            case PROFILE -> {
                if (selected != null && selected.pid() != null) {
                    String worker = MonitModel.key(selected);
                    show("profiling " + worker + " for " + PROFILE_SECONDS + " s…");
                    // Its own thread: the recording takes seconds, and 'r' or 's' must not wait for it.
                    Thread t = new Thread(() -> {
                        String outcome = profiler.apply(worker);
                        updates.add(() -> show(outcome));
                    }, "monit-profile");
                    t.setDaemon(true);
                    t.start();
                }
            }
            case RELOAD -> {
                if (selected != null && confirm(display, reader, "reload every worker of " + selected.app()
                        + ", one at a time, without downtime? [y/N] ")) {
                    send("reloading " + selected.app(), Request.Reload.asTheyAre(selected.app()));
                }
            }
        }
    }

    /** Runs a command off the screen's thread; its outcome becomes the footer message. */
    private void send(String doing, Request request) {
        show(doing + "…");
        commands.execute(() -> {
            String outcome = control.apply(request);
            updates.add(() -> show(outcome));
        });
    }

    private void show(String text) {
        message = text;
        messageAtMs = System.currentTimeMillis();
    }

    private boolean confirm(Display display, BindingReader reader, String question) {
        draw(display, question);
        int c = reader.readCharacter();
        return c == 'y' || c == 'Y';
    }

    /** A line typed into the footer; null if cancelled with Esc. */
    private String readLine(Display display, BindingReader reader, String prompt, String initial) {
        StringBuilder text = new StringBuilder(initial);
        while (true) {
            draw(display, prompt + text + "▏");
            int c = reader.readCharacter();
            switch (c) {
                case '\r', '\n' -> {
                    return text.toString();
                }
                case 27, 3, NonBlockingReader.EOF -> {
                    return null;
                }
                case 127, 8 -> {
                    if (!text.isEmpty()) {
                        text.setLength(text.length() - 1);
                    }
                }
                default -> {
                    if (c >= 32 && text.length() < 64) {
                        text.appendCodePoint(c);
                    }
                }
            }
        }
    }

    private KeyMap<Key> keyMap() {
        KeyMap<Key> keys = new KeyMap<>();
        // Both cursor-key encodings (normal and application mode), and what terminfo says if it differs.
        keys.bind(Key.UP, "k", "\033[A", "\033OA");
        keys.bind(Key.DOWN, "j", "\033[B", "\033OB");
        keys.bind(Key.PAGE_UP, "\033[5~");
        keys.bind(Key.PAGE_DOWN, "\033[6~");
        bindTerminfo(keys, Key.UP, Capability.key_up);
        bindTerminfo(keys, Key.DOWN, Capability.key_down);
        bindTerminfo(keys, Key.PAGE_UP, Capability.key_ppage);
        bindTerminfo(keys, Key.PAGE_DOWN, Capability.key_npage);
        keys.bind(Key.TAB, "\t");
        keys.bind(Key.RESTART, "r");
        keys.bind(Key.RELOAD, "R");
        keys.bind(Key.STOP, "s");
        keys.bind(Key.PROFILE, "p");
        keys.bind(Key.LOGS, "l");
        keys.bind(Key.FILTER, "/");
        keys.bind(Key.HELP, "?", "h");
        keys.bind(Key.QUIT, "q", KeyMap.ctrl('C'));
        keys.bind(Key.SORT_PREV, "<");
        keys.bind(Key.SORT_NEXT, ">");
        keys.bind(Key.REVERSE, "o");
        keys.setAmbiguousTimeout(100);
        return keys;
    }

    private void bindTerminfo(KeyMap<Key> keys, Key key, Capability capability) {
        String sequence = KeyMap.key(terminal, capability);
        if (sequence != null && !sequence.isEmpty()) {
            keys.bind(key, sequence);
        }
    }
}
