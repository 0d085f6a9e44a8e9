package io.imago.providers.local.ingress;

import io.imago.providers.spi.ProviderException;

/** The ingress could not be reached or refused a call; the message is written for users. */
public class IngressException extends ProviderException {
    public IngressException(String message) {
        super(message);
    }

    public IngressException(String message, Throwable cause) {
        super(message, cause);
    }
}
