package io.imago.providers.spi;

import java.math.BigDecimal;

/** Unit prices of what a provider would rent, for the plan's cost estimate. */
public interface PriceList {
    /** USD per hour for one unit of a kind (instance, database, ingress) of a size; zero for free. */
    BigDecimal hourlyUsd(String kind, String size);

    /** Where the prices come from, shown beside the estimate. */
    String source();
}
