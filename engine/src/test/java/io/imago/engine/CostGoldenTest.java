package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.Blueprint;
import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.Provider;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.ResourceRecord;
import io.imago.state.UniverseState;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden cost estimates priced by the real providers' price lists, the aws one from its bundled us-east-1 catalog
 * (imago/prices/aws-us-east-1.json: EC2 t3.small 0.0208/h, RDS db.t3.small 0.036/h, RDS gp3 0.115 and EBS gp3 0.08 per
 * GB-month, an 8 GB root volume, ALB 0.0225/h + 1 LCU 0.008/h, 0.01/GB each way between Availability Zones, 0.09/GB out
 * to the internet, in free), with no network and no credentials. The forecast is ForecastGoldenTest's: 201.8 s to the
 * switch (0.0561 h), SNAPSHOT 88 + CATCH_UP 89 + VALIDATE 11.9 + SWITCHOVER 2.4 = 191.3 s of log shipping, 80 MB of
 * heap; keepOld 15m keeps the old universe 0.25 h.
 */
class CostGoldenTest {
    @TempDir Path dir;
    private final Map<String, Provider> open = new HashMap<>();

    @AfterEach
    void close() {
        open.values().forEach(Provider::close);
    }

    private Planner planner(MemoryStateStore store) {
        return new Planner(store, type -> open.computeIfAbsent(type, t -> ProviderRegistry.open(t, Map.of("region", "us-east-1"), store,
                m -> {})).prices(), u -> ForecastGoldenTest.reading(500_000), type -> ForecastGoldenTest.fixed());
    }

    /** ForecastGoldenTest's upgrade on {@code provider}, with what aws needs (an image, a port). */
    private Blueprint upgrade(String provider) {
        String yaml = ForecastGoldenTest.upgrade("15m")
                .replace("ingress: { name: shop, port: 18000 }", "provider: { type: " + provider + ", region: us-east-1 }\n"
                        + "ingress: { name: shop, type: loadBalancer, port: " + (provider.equals("aws") ? 80 : 18000) + " }")
                .replace("{ name: web, count: 2, run: [app] }", "{ name: web, count: 2, run: [app], size: small"
                        + (provider.equals("aws") ? ", image: ami-0abcdef1234567890, port: 8080" : "") + " }")
                .replace("schema: schema.sql }", "schema: schema.sql, size: small, storageGb: 20 }");
        if (provider.equals("local")) {
            yaml = yaml.replace(", region: us-east-1", "");
        }
        return Blueprints.parse(dir, "shop-v2", yaml);
    }

    /** shop-v1 live: a db.t3.small of 20 GB and two t3.small instances on {@code provider}, behind ingress shop there. */
    private MemoryStateStore shopV1(String provider, boolean withIngress) {
        MemoryStateStore store = new MemoryStateStore(dir);
        boolean aws = provider.equals("aws");
        Map<String, String> db = aws ? Map.of("size", "db.t3.small", "storageGb", "20", "region", "us-east-1") : Map.of("size", "small");
        String web = aws ? "t3.small" : "small";
        store.save(UniverseState.create("shop-v1", provider, "/x/shop-v1.yml", null, "shop")
                .withResource(new ResourceRecord("database", "shop-v1-db", db))
                .withResource(new ResourceRecord("instance", "shop-v1-web-0", Map.of("size", web)))
                .withResource(new ResourceRecord("instance", "shop-v1-web-1", Map.of("size", web)))
                .withPhase(Phase.LIVE));
        if (withIngress) {
            store.save(new IngressState("shop", provider, new ResourceRecord("ingress", "shop", Map.of()), null, null, null).pointedAt("shop-v1"));
        }
        return store;
    }

    private static List<String> lines(Plan.Cost c) {
        return c.items().stream().map(i -> String.join(" ", i.resource(), i.kind(), i.provider(), String.valueOf(i.size()),
                String.valueOf(i.count()), i.unitPrice().toPlainString() + "/" + i.unit(), String.valueOf(i.quantity()),
                String.valueOf(i.hours()), i.usd().toPlainString())).toList();
    }

    @Test
    void anAwsUpgradeWithinARegionIsPricedFromTheCatalogWithStorageAndTransfer() {
        Plan plan = planner(shopV1("aws", true)).plan(upgrade("aws"));
        assertEquals(201.8, plan.duration().seconds(), 1e-9);
        Plan.Cost c = plan.cost();
        assertEquals(List.of(
                "shop-v2-db database aws small 1 0.036/hour null 0.0561 0.0020",             // 0.036 × 0.0561 = 0.00202
                "shop-v2-web instance aws small 2 0.0208/hour null 0.0561 0.0023",           // 0.0208 × 2 × 0.0561 = 0.00233
                "shop-v2-db storage aws database 1 0.115/GB-month 20 0.0561 0.0002",         // 20 × 0.115 / 730 = 0.003151/h × 0.0561
                "shop-v2-web storage aws volume 2 0.08/GB-month 8 0.0561 0.0001",            // 8 × 0.08 / 730 = 0.000877/h × 2 × 0.0561
                "shop-v1-db database aws db.t3.small 1 0.036/hour null 0.2500 0.0090",       // 0.036 × 0.25
                "shop-v1-web instance aws t3.small 2 0.0208/hour null 0.2500 0.0104",        // 0.0208 × 2 × 0.25
                "shop-v1-db storage aws database 1 0.115/GB-month 20 0.2500 0.0008",         // 0.003151 × 0.25 = 0.00079
                "shop-v1-web storage aws volume 2 0.08/GB-month 8 0.2500 0.0004",            // 0.000877 × 2 × 0.25 = 0.00044
                // 80,000,000 B of heap + 500,000 B/s × 191.3 s of WAL = 175,650,000 B = 0.1636 GiB × (0.01 out + 0.01 in)
                "shop-v1 -> shop-v2 transfer aws null 1 0.02/GB 0.1636 null 0.0033"), lines(c));
        assertEquals(new BigDecimal("0.03"), c.total(), "0.0285 rounded up to the cent");
        // ALB 0.0225 + 1 LCU 0.008 + database 0.036 + its storage 0.003151 + 2 × (0.0208 + 0.000877)
        assertEquals(new BigDecimal("0.113005"), c.hourlyBefore());
        assertEquals(new BigDecimal("0.113005"), c.hourlyAfter());
        assertEquals(new BigDecimal("82.49"), c.monthly(), "0.113005 × 730");
        Plan.CostItem moved = c.items().get(8);
        assertTrue(moved.detail().contains("aws us-east-1 -> aws us-east-1: 0.01 USD/GB out of shop-v1 + 0.01 USD/GB into shop-v2"),
                moved.detail());
        assertTrue(c.items().get(3).detail().contains("taken as 8 GB of EBS gp3"), c.items().get(3).detail());
        assertTrue(c.source().startsWith("aws: bundled catalog aws-us-east-1.json, on-demand prices as of 2025-01"), c.source());
        assertTrue(c.snapshots().startsWith("aws: RDS's automated backups only"), c.snapshots());
    }

    @Test
    void fromLocalToAwsTheDataMovesInForFree() {
        Plan.Cost c = planner(shopV1("local", false)).plan(upgrade("aws")).cost();
        Plan.CostItem moved = c.items().get(c.items().size() - 1);
        assertEquals("transfer", moved.kind());
        assertEquals("local->aws", moved.provider());
        assertEquals(new BigDecimal("0.0000"), moved.usd(), "out of this machine 0 + into AWS 0");
        assertTrue(moved.detail().contains("local -> aws us-east-1: 0 USD/GB out of shop-v1 + 0 USD/GB into shop-v2"), moved.detail());
        // the new ALB is a line of its own, created beside the database (no time added): 201.8 s = 0.0561 h; (0.0225 + 0.008) × 0.0561 = 0.00171
        assertTrue(lines(c).contains("shop ingress aws loadBalancer 1 0.0305/hour null 0.0561 0.0017"), lines(c).toString());
        assertTrue(c.snapshots().contains("local: none: the local provider takes no snapshots"), c.snapshots());
    }

    @Test
    void fromAwsToLocalTheDataLeavesAwsAtItsInternetRate() {
        Plan.Cost c = planner(shopV1("aws", false)).plan(upgrade("local")).cost();
        Plan.CostItem moved = c.items().get(c.items().size() - 1);
        assertEquals("aws->local", moved.provider());
        assertEquals(new BigDecimal("0.09"), moved.unitPrice());
        assertEquals(new BigDecimal("0.0147"), moved.usd(), "0.1636 GiB × 0.09");
        Plan.CostItem localDb = c.items().get(0);
        assertEquals(0, localDb.usd().signum(), "a local database is free");
        assertTrue(localDb.detail().contains("cores and") && localDb.detail().contains("of memory") && localDb.detail().contains("free on that disk"),
                localDb.detail());
    }

    @Test
    void aRegionWithoutACatalogFailsThePlanNamingIt() {
        MemoryStateStore store = shopV1("aws", true);
        Planner tokyo = new Planner(store, type -> open.computeIfAbsent(type, t -> ProviderRegistry.open(t, Map.of("region", "ap-northeast-1"),
                store, m -> {})).prices(), u -> ForecastGoldenTest.reading(0), type -> ForecastGoldenTest.fixed());
        EngineException e = assertThrows(EngineException.class, () -> tokyo.plan(upgrade("aws")));
        assertEquals(EngineException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("no bundled AWS price catalog for region ap-northeast-1 (there is one for eu-west-1, us-east-1)"),
                e.getMessage());
    }

    @Test
    void aMissingStoragePriceFailsThePlanNamingTheResource() {
        PriceList noStorage = ForecastGoldenTest.prices(Map.of("storage", true));
        EngineException e = assertThrows(EngineException.class, () -> new Planner(ForecastGoldenTest.withShopV1(dir), type -> noStorage,
                u -> ForecastGoldenTest.reading(0), type -> ForecastGoldenTest.fixed()).plan(Blueprints.parse(dir, "shop-v2",
                ForecastGoldenTest.upgrade("15m"))));
        assertEquals(EngineException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("no price for the storage of shop-v2-db on the local provider"), e.getMessage());
    }
}
