package io.imago.providers.spi;

import java.math.BigDecimal;

/**
 * Unit prices of what a provider would rent, for the plan's cost estimate and the budget guard. A price the list does
 * not have is never made up: the engine refuses the estimate, naming the resource.
 */
public interface PriceList {
    /**
     * USD per hour for one unit of a kind (instance, database, ingress) of a size (the provider's size or type; null
     * where the kind has none, as an ingress); zero only for what is really free.
     *
     * @return null when the list has no price for that kind
     * @throws ProviderException when it has the kind but not that size, saying which sizes it has
     */
    BigDecimal hourlyUsd(String kind, String size);

    /** Where the prices come from, shown beside the estimate. */
    String source();
}
