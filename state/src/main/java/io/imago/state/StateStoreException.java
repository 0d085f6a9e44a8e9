package io.imago.state;

/**
 * The state could not be read or written for a reason outside Imago: a remote store unreachable or refusing
 * (no credentials, no such bucket, access denied), with a message that says which state and what failed.
 */
public class StateStoreException extends RuntimeException {
    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
