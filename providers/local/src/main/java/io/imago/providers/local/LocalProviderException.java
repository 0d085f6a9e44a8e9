package io.imago.providers.local;

/** A failure of the local provider, with a message meant for users. */
public class LocalProviderException extends io.imago.providers.spi.ProviderException {
    public LocalProviderException(String message) {
        super(message);
    }
}
