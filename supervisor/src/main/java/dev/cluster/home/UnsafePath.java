package dev.cluster.home;

import java.io.IOException;

/** A path the supervisor will not use: its message says what is wrong and how to fix it, in one line. */
public final class UnsafePath extends IOException {
    public UnsafePath(String message) {
        super(message);
    }
}
