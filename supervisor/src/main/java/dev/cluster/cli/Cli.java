package dev.cluster.cli;

import dev.cluster.home.Home;
import dev.cluster.home.UnsafePath;
import dev.cluster.protocol.LineReader;
import dev.cluster.protocol.Wire;
import dev.cluster.view.Terminal;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The jar's entry point. {@code cluster list} is the command people run most, in scripts and in
 * watch loops, and a one-shot JVM command is mostly start-up; so {@code list} is answered here
 * without picocli (its classes, and the model it builds of the verb from annotations) and without
 * Jackson (~60 ms): the daemon renders the text and sends it as the only field of its
 * response. Anything else, and any surprise on the way (no daemon, an error, an answer of another
 * shape), goes to {@link Main}, which does everything properly; {@code list} only reads, so asking
 * twice is harmless.
 */
public final class Cli {
    /** The daemon's answer when it sends text: {@code Response.ok(text)} as {@link Wire} writes it. */
    private static final String TEXT_PREFIX = "{\"v\":" + Wire.VERSION + ",\"ok\":true,\"message\":\"";
    private static final String TEXT_SUFFIX = "\"}";

    private Cli() {
    }

    public static void main(String[] args) {
        boolean list = (args.length == 1 || args.length == 2 && args[1].equals("--json"))
                && (args[0].equals("list") || args[0].equals("ls"));
        String text = list ? quickList(Home.fromEnvironment(), args.length == 2, Terminal.colour(), Terminal.columns()) : null;
        if (text == null) {
            Main.main(args);
            return;
        }
        ControlClient.warnIfDaemonIsOlder(Home.fromEnvironment());
        System.out.print(text);
        System.out.flush();
    }

    /** What {@code list} prints, from a running daemon; null if there is none or its answer is not the text. */
    public static String quickList(Home home, boolean json, boolean colour, int columns) {
        try {
            home.verify(); // a home that is not ours alone gets the full path, which says why
        } catch (UnsafePath e) {
            return null;
        }
        String request = "{\"v\":" + Wire.VERSION + ",\"command\":\"list\",\"output\":\"" + (json ? "json" : "table")
                + "\",\"colour\":" + colour + ",\"columns\":" + columns + "}\n";
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(home.controlSocket()))) {
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            byte[] line = new LineReader(channel).readLine(); // bounded; reads no JSON (Jackson stays unloaded)
            return line == null ? null : textOf(new String(line, StandardCharsets.UTF_8).stripTrailing());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The message of a text response, its JSON string escapes undone; null for any other response. */
    static String textOf(String response) {
        if (!response.startsWith(TEXT_PREFIX) || !response.endsWith(TEXT_SUFFIX)) {
            return null;
        }
        String body = response.substring(TEXT_PREFIX.length(), response.length() - TEXT_SUFFIX.length());
        StringBuilder text = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '"') {
                return null; // an unescaped quote: the message ended early, more fields follow
            }
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> text.append('\n');
                case 't' -> text.append('\t');
                case 'r' -> text.append('\r');
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'u' -> {
                    text.append((char) Integer.parseInt(body, i + 1, i + 5, 16));
                    i += 4;
                }
                default -> text.append(e); // \" \\ \/
            }
        }
        return text.toString();
    }
}
