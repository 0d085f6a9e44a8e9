package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.ProviderException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The size table and the static price table (README, "aws provider"). */
class AwsPriceListTest {
    private final AwsPriceList prices = new AwsPriceList();

    @Test
    void sizesMapToTheDocumentedTypesAndAnExplicitOneWins() {
        assertEquals("t3.micro", Sizes.instanceType(null, "xs"));
        assertEquals("t3.small", Sizes.instanceType(null, "small"));
        assertEquals("t3.medium", Sizes.instanceType(null, "medium"));
        assertEquals("t3.large", Sizes.instanceType(null, "large"));
        assertEquals("m5.large", Sizes.instanceType("m5.large", "xs"));
        assertEquals("db.t3.micro", Sizes.dbClass(null, "xs"));
        assertEquals("db.t3.small", Sizes.dbClass(null, "small"));
        assertEquals("db.t3.medium", Sizes.dbClass(null, "medium"));
        assertEquals("db.m6g.large", Sizes.dbClass(null, "large"));
        assertEquals("db.r6g.large", Sizes.dbClass("db.r6g.large", "small"));
        assertThrows(ProviderException.class, () -> Sizes.instanceType(null, "huge"));
    }

    @Test
    void pricesComeFromTheTableBySizeOrType() {
        assertEquals(new BigDecimal("0.0208"), prices.hourlyUsd("instance", "small"));
        assertEquals(new BigDecimal("0.0832"), prices.hourlyUsd("instance", "t3.large"));
        assertEquals(new BigDecimal("0.036"), prices.hourlyUsd("database", "small"));
        assertEquals(new BigDecimal("0.159"), prices.hourlyUsd("database", "db.m6g.large"));
        assertEquals(new BigDecimal("0.0225"), prices.hourlyUsd("ingress", null));
        assertNull(prices.hourlyUsd("replication-slot", null), "a kind it has no price for is not free");
        ProviderException e = assertThrows(ProviderException.class, () -> prices.hourlyUsd("instance", "p5.48xlarge"));
        assertTrue(e.getMessage().contains("has no EC2 instance type p5.48xlarge"), e.getMessage());
    }

    @Test
    void theSourceSaysItIsAStaticTableAndOfWhen() {
        assertTrue(prices.source().startsWith("static table of AWS on-demand prices, us-east-1, as of 2025-01"), prices.source());
        assertTrue(prices.source().contains("not fetched"));
    }
}
