package dev.cluster.cli;

import java.util.List;

/** A problem the user can fix: printed as one line (plus optional detail lines), never as a stack trace. */
final class UserError extends RuntimeException {
    private final List<String> details;

    UserError(String message) {
        this(message, List.of());
    }

    UserError(String message, List<String> details) {
        super(message, null, false, false);
        this.details = details == null ? List.of() : details;
    }

    List<String> details() {
        return details;
    }
}
