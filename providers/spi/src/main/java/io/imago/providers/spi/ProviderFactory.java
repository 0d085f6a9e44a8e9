package io.imago.providers.spi;

/** Found through {@link java.util.ServiceLoader}; one per provider type ({@code local}, {@code aws}, ...). */
public interface ProviderFactory {
    String type();

    Provider create(ProviderContext context);
}
