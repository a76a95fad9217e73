package dev.cluster.profile;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a flame graph back as a person sees it: boxes by frame name, and where they are drawn. */
public final class FlameGraphSvg {
    private FlameGraphSvg() {
    }

    /** The box (rect) whose title starts with {@code frame}, as {x, width}. */
    public static double[] box(Document svg, String frame) {
        NodeList groups = svg.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            String title = g.getElementsByTagName("title").item(0).getTextContent();
            if (title.startsWith(frame + " (")) {
                Element rect = (Element) g.getElementsByTagName("rect").item(0);
                return new double[] {Double.parseDouble(rect.getAttribute("x")), Double.parseDouble(rect.getAttribute("width"))};
            }
        }
        return null;
    }

    /** The SVG as XML: it must be well-formed to parse. */
    public static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    /** The thread boxes: the second row from the bottom, right above "all". */
    public static List<String> threads(Document svg) {
        List<String> out = new ArrayList<>();
        NodeList groups = svg.getElementsByTagName("g");
        String allY = null;
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            Element rect = (Element) g.getElementsByTagName("rect").item(0);
            String title = g.getElementsByTagName("title").item(0).getTextContent();
            if (title.startsWith("all (")) {
                allY = rect.getAttribute("y");
            } else if (allY != null && Double.parseDouble(rect.getAttribute("y")) == Double.parseDouble(allY) - FlameGraph.ROW) {
                out.add(title.substring(0, title.lastIndexOf(" (")));
            }
        }
        return out;
    }
}
