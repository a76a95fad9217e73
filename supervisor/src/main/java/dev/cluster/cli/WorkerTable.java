package dev.cluster.cli;

import dev.cluster.protocol.WorkerInfo;

import java.util.ArrayList;
import java.util.List;

/** The worker table that {@code list}, {@code start}, {@code stop} and {@code restart} print. */
final class WorkerTable {
    private static final String[] HEADER = {"APP", "ID", "PID", "STATE", "UPTIME", "RESTARTS", "PORT"};

    private WorkerTable() {
    }

    static String render(List<WorkerInfo> workers, boolean colour) {
        if (workers.isEmpty()) {
            return "no apps: start one with 'cluster start app.jar -i max'\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (WorkerInfo w : workers) {
            rows.add(new String[] {w.app(), Integer.toString(w.id()), w.pid() == null ? "-" : w.pid().toString(),
                    w.state(), w.pid() == null ? "-" : Durations.format(w.uptimeMs()), Integer.toString(w.restarts()),
                    Integer.toString(w.port())});
        }
        int[] width = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String cell = String.format("%-" + width[i] + "s", row[i]);
                if (r > 0 && i == 3) {
                    cell = Terminal.paint(colour, stateColour(row[i]), cell);
                }
                line.append(cell).append(i + 1 < row.length ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String stateColour(String state) {
        return switch (state) {
            case "online" -> Terminal.GREEN;
            case "errored", "exited" -> Terminal.RED;
            case "stopped" -> Terminal.DIM;
            default -> Terminal.YELLOW;
        };
    }
}
