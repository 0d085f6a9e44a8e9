package io.imago.migration;

/** Log shipping stopped on an error; the cause says why. The shipper is dead: start a new one to resume. */
public final class LogShippingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogShippingException(String message, Throwable cause) {
        super(message, cause);
    }
}
