package io.imago.providers.spi;

/** A provider's failure, with a message written for users (no stack trace is shown for it). */
public class ProviderException extends RuntimeException {
    public ProviderException(String message) {
        super(message);
    }

    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
