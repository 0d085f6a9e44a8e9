package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.ProviderException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The size table and the bundled price catalogs (README, "aws provider"; imago/prices/README.md). */
class AwsPriceListTest {
    private final AwsPriceList prices = new AwsPriceList(() -> AwsPriceCatalog.load("us-east-1"));

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
    void pricesComeFromTheRegionsCatalogBySizeOrType() {
        assertEquals(new BigDecimal("0.0208"), prices.hourlyUsd("instance", "small"));
        assertEquals(new BigDecimal("0.0832"), prices.hourlyUsd("instance", "t3.large"));
        assertEquals(new BigDecimal("0.036"), prices.hourlyUsd("database", "small"));
        assertEquals(new BigDecimal("0.159"), prices.hourlyUsd("database", "db.m6g.large"));
        assertEquals(new BigDecimal("0.0305"), prices.hourlyUsd("ingress", "loadBalancer"), "the ALB's hour 0.0225 and one LCU 0.008");
        assertEquals(new BigDecimal("0.000685"), prices.hourlyUsd("ingress", "dns"), "a hosted zone's 0.50 a month / 730");
        assertNull(prices.hourlyUsd("replication-slot", null), "a kind it has no price for is not free");
        ProviderException e = assertThrows(ProviderException.class, () -> prices.hourlyUsd("instance", "p5.48xlarge"));
        assertTrue(e.getMessage().contains("have no EC2 instance type p5.48xlarge (they have c5.large,"), e.getMessage());
    }

    @Test
    void storageDisksAndTransfer() {
        assertEquals(new BigDecimal("0.115"), prices.storageUsdPerGbMonth("database"), "RDS gp3");
        assertEquals(new BigDecimal("0.08"), prices.storageUsdPerGbMonth("volume"), "EBS gp3");
        assertEquals(8, prices.instanceDiskGb("t3.small"));
        assertEquals(new BigDecimal("0.01"), prices.transferUsdPerGb(true, "aws", "us-east-1"), "inter-AZ, out");
        assertEquals(new BigDecimal("0.01"), prices.transferUsdPerGb(false, "aws", "us-east-1"), "inter-AZ, in");
        assertEquals(new BigDecimal("0.02"), prices.transferUsdPerGb(true, "aws", "eu-west-1"), "to another region");
        assertEquals(new BigDecimal("0"), prices.transferUsdPerGb(false, "aws", "eu-west-1"), "from another region: free");
        assertEquals(new BigDecimal("0.09"), prices.transferUsdPerGb(true, "local", null), "out to the internet");
        assertEquals(new BigDecimal("0"), prices.transferUsdPerGb(false, "local", null), "in from the internet: free");
        assertEquals("us-east-1", prices.region());
        assertTrue(prices.snapshots().contains("automated backups"), prices.snapshots());
    }

    @Test
    void euWest1HasItsOwnCatalog() {
        AwsPriceList eu = new AwsPriceList(() -> AwsPriceCatalog.load("eu-west-1"));
        assertEquals(new BigDecimal("0.0228"), eu.hourlyUsd("instance", "small"));
        assertEquals(new BigDecimal("0.038"), eu.hourlyUsd("database", "small"));
        assertEquals(new BigDecimal("0.0332"), eu.hourlyUsd("ingress", "loadBalancer"));
        assertEquals(new BigDecimal("0.088"), eu.storageUsdPerGbMonth("volume"));
        assertTrue(eu.source().contains("aws-eu-west-1.json, on-demand prices as of 2025-01"), eu.source());
    }

    @Test
    void everyRegionListedHasACatalogAndEveryCatalogHasThePortableSizes() {
        for (String region : AwsPriceCatalog.REGIONS) {
            AwsPriceList l = new AwsPriceList(() -> AwsPriceCatalog.load(region));
            assertEquals(region, l.region());
            for (String size : new String[] {"xs", "small", "medium", "large"}) {
                assertTrue(l.hourlyUsd("instance", size).signum() > 0, region + " " + size);
                assertTrue(l.hourlyUsd("database", size).signum() > 0, region + " " + size);
            }
        }
    }

    @Test
    void aRegionWithoutACatalogIsAnErrorNamingItAndTheRegionsThatHaveOne() {
        AwsPriceList tokyo = new AwsPriceList(() -> AwsPriceCatalog.load("ap-northeast-1"));
        ProviderException e = assertThrows(ProviderException.class, () -> tokyo.hourlyUsd("instance", "small"));
        assertEquals("no bundled AWS price catalog for region ap-northeast-1 (there is one for eu-west-1, us-east-1): plan in one of "
                + "those, or fetch the prices with --pricing live", e.getMessage());
    }

    @Test
    void theSourceSaysWhichCatalogAndOfWhen() {
        assertTrue(prices.source().startsWith("bundled catalog aws-us-east-1.json, on-demand prices as of 2025-01"), prices.source());
        assertTrue(prices.source().contains("not fetched"));
    }
}
