package io.imago.providers.spi;

/**
 * A provider rents and releases capacity and flips ingress; it knows nothing of data conversion.
 * Every operation is idempotent and keyed by names derived from universe + resource, and what it
 * creates is tagged with the universe's name so that destroy and crash recovery find everything.
 * The engine owns ordering, polling and progress.
 */
public interface Provider extends AutoCloseable {
    String type();

    ComputeService compute();

    DatabaseService database();

    IngressService ingress();

    PriceList prices();

    /** A value from the provider's secret store, for {@code ${secret:NAME}}; never logged or stored. */
    default java.util.Optional<String> secret(String name) {
        return java.util.Optional.empty();
    }

    @Override
    default void close() {}
}
