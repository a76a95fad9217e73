package dev.cluster.protocol;

/** A message on either socket: it says which protocol version it was written in. */
public interface Versioned {
    int v();
}
