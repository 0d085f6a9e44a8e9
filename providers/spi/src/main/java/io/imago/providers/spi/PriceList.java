package io.imago.providers.spi;

import java.math.BigDecimal;

/**
 * Unit prices of what a provider would rent, for the plan's cost estimate and the budget guard. A price the list does
 * not have is never made up: the engine refuses the estimate, naming the resource. Every method may throw a
 * {@link ProviderException} saying why it has no price (a region without a catalog, a size it does not know), or a
 * {@link PricesUnavailableException} when the prices could not be fetched at all.
 */
public interface PriceList {
    /**
     * USD per hour for one unit of a kind (instance, database, ingress) of a size (the provider's size or type; for an
     * ingress its type, {@code loadBalancer} or {@code dns}, or null); zero only for what is really free.
     *
     * @return null when the list has no price for that kind
     * @throws ProviderException when it has the kind but not that size, saying which sizes it has
     */
    BigDecimal hourlyUsd(String kind, String size);

    /** Where the prices come from, shown beside the estimate. */
    String source();

    /**
     * USD per GB-month of storage: {@code database} for a database's allocated storage, {@code volume} for an
     * instance's disk; zero only for what is really free.
     *
     * @return null when the list has no such price
     */
    default BigDecimal storageUsdPerGbMonth(String kind) {
        return null;
    }

    /**
     * The disk one instance of that size gets, in GB (0 when it gets none that is charged for).
     *
     * @return null when the provider cannot say
     */
    default Integer instanceDiskGb(String size) {
        return null;
    }

    /**
     * USD per GB that this provider charges for data moved between one of its universes and another universe.
     *
     * @param outbound true for data leaving this provider's universe, false for data arriving in it
     * @param otherProvider the other universe's provider type
     * @param otherRegion the other universe's region (null when it has none or it is not known)
     * @return null when the list has no such price
     */
    default BigDecimal transferUsdPerGb(boolean outbound, String otherProvider, String otherRegion) {
        return null;
    }

    /** The region the prices are for; null where the provider has no regions. */
    default String region() {
        return null;
    }

    /**
     * The snapshots or backups the provider takes of what it rents, and what they cost, in words ("none" when it takes
     * none); null when the list does not say.
     */
    default String snapshots() {
        return null;
    }

    /**
     * What one resource of that kind and size is given, in words (the local provider: the cores, memory and disk it
     * shares; an ingress: what its price includes); null when there is nothing to add.
     */
    default String describe(String kind, String size) {
        return null;
    }
}
