package dev.cluster.protocol;

/** A peer sent something that is not a message of ours; the receiver closes that connection. */
public final class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message);
    }
}
