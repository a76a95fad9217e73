package dev.cluster.profile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A flame graph as one self-contained SVG file: each thread is a tower on the bottom row, each frame a
 * box as wide as the samples that passed through it, callers below callees. Hovering a box shows its
 * frame, samples and share (the SVG {@code <title>}); no script, so any browser or viewer shows it.
 */
public final class FlameGraph {
    static final int WIDTH = 1200;
    static final int ROW = 16;
    static final int TOP = 40;
    private static final double MIN_BOX_PX = 0.3;

    /** A node of the call tree: its samples (itself and everything it called) and its callees. */
    private static final class Node {
        final String name;
        long samples;
        final Map<String, Node> children = new LinkedHashMap<>();

        Node(String name) {
            this.name = name;
        }

        Node child(String name) {
            return children.computeIfAbsent(name, Node::new);
        }
    }

    private final Node root = new Node("all");
    private int depth;

    /** One sample: the thread it was taken on, and its frames from the outermost caller to the running method. */
    public void add(String thread, List<String> framesOutermostFirst) {
        Node node = root;
        node.samples++;
        node = node.child(thread);
        node.samples++;
        for (String frame : framesOutermostFirst) {
            node = node.child(frame);
            node.samples++;
        }
        depth = Math.max(depth, framesOutermostFirst.size() + 2);
    }

    public long samples() {
        return root.samples;
    }

    /** The SVG, titled {@code title} (escaped here). */
    public String svg(String title) {
        int height = TOP + depth * ROW + 10;
        StringBuilder out = new StringBuilder(64 * 1024);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" font-family=\"monospace\" font-size=\"11\">\n")
                .append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fdfdf6\"/>\n")
                .append("<text x=\"10\" y=\"20\" font-size=\"15\">").append(escape(title)).append("</text>\n")
                .append("<text x=\"10\" y=\"34\" fill=\"#555\">").append(root.samples)
                .append(" samples of threads running Java code; width = share of samples; hover a box for its frame</text>\n");
        box(out, root, 0, WIDTH, 0, height, root.samples);
        return out.append("</svg>\n").toString();
    }

    private void box(StringBuilder out, Node node, double x, double width, int row, int height, long total) {
        if (width < MIN_BOX_PX) {
            return;
        }
        double y = height - 10 - (row + 1) * ROW;
        String tip = node.name + " (" + node.samples + " samples, " + String.format(Locale.ROOT, "%.1f", 100.0 * node.samples / Math.max(1, total)) + "%)";
        out.append("<g><title>").append(escape(tip)).append("</title><rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y))
                .append("\" width=\"").append(fmt(Math.max(0, width - 0.5))).append("\" height=\"").append(ROW - 1)
                .append("\" fill=\"").append(colour(node.name, row)).append("\" rx=\"2\"/>");
        int chars = (int) ((width - 6) / 6.6);
        if (chars >= 3) {
            String label = node.name.length() <= chars ? node.name : node.name.substring(0, chars - 2) + "..";
            out.append("<text x=\"").append(fmt(x + 3)).append("\" y=\"").append(fmt(y + ROW - 4)).append("\">").append(escape(label)).append("</text>");
        }
        out.append("</g>\n");
        double childX = x;
        for (Node child : node.children.values()) {
            double childWidth = width * child.samples / node.samples;
            box(out, child, childX, childWidth, row + 1, height, total);
            childX += childWidth;
        }
    }

    /** Warm colours as flame graphs have them; the JDK's and libraries' frames paler than the app's, threads grey. */
    private static String colour(String name, int row) {
        if (row == 0) {
            return "#d8d8d8";
        }
        if (row == 1) {
            return "#c0c8d8";
        }
        int h = name.hashCode() & 0x7fffffff;
        boolean platform = name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.") || name.startsWith("io.netty.")
                || name.startsWith("com.sun.");
        int red = platform ? 230 + h % 25 : 205 + h % 50;
        int green = platform ? 150 + h % 80 : 80 + h % 110;
        int blue = platform ? 80 + h % 40 : 40 + h % 30;
        return String.format("#%02x%02x%02x", red, green, blue);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** XML text and attribute escaping; control characters (never in a frame name, but a thread name is the app's) dropped. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c >= 0x20 && c != 0x7f && !Character.isSurrogate(c) && c != 0xfffe && c != 0xffff) {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
