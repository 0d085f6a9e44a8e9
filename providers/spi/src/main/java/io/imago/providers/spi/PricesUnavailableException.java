package io.imago.providers.spi;

/**
 * The prices could not be had at all (a price service that did not answer, or refused): the plan fails rather than
 * price anything as free or fall back silently to other prices.
 */
public class PricesUnavailableException extends ProviderException {
    public PricesUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
