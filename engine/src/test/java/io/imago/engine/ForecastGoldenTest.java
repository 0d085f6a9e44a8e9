package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.Blueprint;
import io.imago.migration.LiveCatalog.TableSize;
import io.imago.migration.SourceReadSample;
import io.imago.providers.spi.PriceList;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.ResourceRecord;
import io.imago.state.UniverseState;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden estimates: fixed blueprints, a fixed catalog reading and a fixed calibration give the figures worked out by
 * hand in the comments, to the tenth of a second and the ten-thousandth of a dollar.
 */
class ForecastGoldenTest {
    @TempDir Path dir;

    /** Round figures, so the expected values can be worked by hand. */
    static Calibration fixed() {
        Map<Throughput, Calibration.Figure> m = new EnumMap<>(Throughput.class);
        Map<Throughput, Double> v = new LinkedHashMap<>();
        v.put(Throughput.COPY_ROWS, 10_000.0);
        v.put(Throughput.COPY_BYTES, 10_000_000.0);
        v.put(Throughput.INDEX_BYTES, 5_000_000.0);
        v.put(Throughput.SNAPSHOT_FIXED, 2.0);
        v.put(Throughput.APPLY_BYTES, 1_000_000.0);
        v.put(Throughput.CATCH_UP_FIXED, 1.0);
        v.put(Throughput.CHECK_BYTES, 20_000_000.0);
        v.put(Throughput.CHECK_FIXED, 0.5);
        v.put(Throughput.HTTP_REQUEST, 0.1);
        v.put(Throughput.COMMAND, 3.0);
        v.put(Throughput.PROVISION_DATABASE, 4.0);
        v.put(Throughput.PROVISION_INGRESS, 1.0);
        v.put(Throughput.PROVISION_INSTANCES, 6.0);
        v.put(Throughput.PREPARE, 0.5);
        v.put(Throughput.SEED, 0.7);
        v.put(Throughput.SWITCHOVER_FIXED, 0.4);
        v.put(Throughput.WRITE_PAUSE, 3.0); // past maxWritePause (2s in the blueprints here): the cap counts
        v.put(Throughput.RETIRE, 1.5);
        v.forEach((t, x) -> m.put(t, new Calibration.Figure(x, "the test's figure", true)));
        assertEquals(Throughput.values().length, m.size(), "every figure fixed");
        return new Calibration("local", m);
    }

    /** customers 200,000 rows / 50 MB heap / 10 MB indexes; orders 600,000 / 30 MB / 20 MB; sessions skipped; 500,000 B/s of WAL. */
    static SourceReading reading(long walBytes) {
        return new SourceReading(List.of(
                new TableSize("customers", 50_000_000, 10_000_000, 200_000),
                new TableSize("orders", 30_000_000, 20_000_000, 600_000),
                new TableSize("sessions", 99_000_000, 99_000_000, 9_000_000)), walBytes, 1.0);
    }

    static String upgrade(String keepOld) {
        return """
                imago: 1
                universe: shop-v2
                replaces: shop-v1
                ingress: { name: shop, port: 18000 }
                compute:
                  - { name: web, count: 2, run: [app] }
                database: { engine: postgres, version: "15", schema: schema.sql }
                migration:
                  transforms:
                    - { table: customers, renameColumns: { name: full_name } }
                    - { table: orders, renameTo: purchase_orders }
                    - { table: sessions, skip: true }
                validate:
                  - rowCounts: true
                  - checksums: [customers, purchase_orders]
                  - http: { path: /health }
                  - compare: { path: /api/customers/1 }
                  - command: ["./smoke.sh"]
                switchover: { maxWritePause: 2s }
                teardown: { keepOld: %s }
                """.formatted(keepOld);
    }

    private Plan.Forecast forecast(Blueprint bp, SourceReading r, boolean newIngress) {
        List<StepName> steps = ApplyRun.PIPELINE.stream().filter(s -> s.planned(bp)).map(Step::name).toList();
        return new Forecaster(bp, fixed(), r, r == null ? "shop-v1 is not in this state yet" : null, newIngress).forecast(steps);
    }

    private static Map<String, Double> seconds(Plan.Forecast f) {
        Map<String, Double> m = new LinkedHashMap<>();
        f.steps().forEach(s -> m.put(s.step(), s.seconds()));
        return m;
    }

    @Test
    void anUpgradeIsForecastStepByStepFromTheSourceSizeItsWriteRateAndTheCalibration() {
        Plan.Forecast f = forecast(Blueprints.parse(dir, "shop-v2", upgrade("0")), reading(500_000), false);
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("PROVISION", 10.0);  // database 4 + ingress kept 0 + 1 group × 6
        expected.put("PREPARE", 0.5);
        expected.put("SNAPSHOT", 88.0);   // max(800,000 rows / 10,000 = 80, 80 MB / 10 MB/s = 8) + 30 MB / 5 MB/s = 6 + fixed 2
        expected.put("CATCH_UP", 89.0);   // 500 kB/s × 88 s = 44 MB behind, shrinking at 1 MB/s − 0.5 MB/s: 88 + fixed 1
        expected.put("VALIDATE", 11.9);   // http 2 × 0.1 + compare 2 × 0.1 + command 3 + cut 0.5 + (80 + 50 + 30 MB) / 20 MB/s = 8
        expected.put("SWITCHOVER", 2.4);  // the pause measured 3 s, capped at maxWritePause 2, + 0.4
        expected.put("RETIRE", 1.5);      // keepOld 0: torn down at once
        assertEquals(expected, seconds(f));
        assertEquals(201.8, f.seconds(), 1e-9, "to the switch");
        assertEquals(203.3, f.untilDoneSeconds(), 1e-9, "with RETIRE");
        Plan.SourceFacts s = f.source();
        assertEquals(2, s.tables(), "sessions is skipped");
        assertEquals(800_000, s.rows());
        assertEquals(80_000_000, s.heapBytes());
        assertEquals(30_000_000, s.indexBytes());
        assertEquals(500_000.0, s.writeBytesPerSecond());
        for (Plan.StepForecast step : f.steps()) {
            assertFalse(step.assumed().isBlank(), step.step());
        }
        String snapshot = f.steps().get(2).assumed();
        assertTrue(snapshot.contains("2 tables of shop-v1 (~800,000 rows, 76.3 MiB of heap, 28.6 MiB of indexes"), snapshot);
        assertTrue(snapshot.contains("10,000 rows/s (the test's figure)"), snapshot);
        assertTrue(f.steps().get(3).assumed().contains("shop-v1 writes 488.3 KiB/s of WAL (sampled over 1.0 s)"), f.steps().get(3).assumed());
        assertTrue(f.steps().get(5).assumed().contains("writes paused 3.0 s (the test's figure), at most 2s"), f.steps().get(5).assumed());
    }

    @Test
    void calibratingBoundsTheCopyByHowFastTheSourceGaveUpItsSampleOverTheCopysStreams() {
        Blueprint bp = Blueprints.parse(dir, "shop-v2", upgrade("0"));
        List<StepName> steps = ApplyRun.PIPELINE.stream().filter(s -> s.planned(bp)).map(Step::name).toList();
        // 16 MB of heap in 50 s: 320,000 B/s on one stream, 640,000 B/s over the default 2: 80 MB take 125 s, slower than 80
        Plan.Forecast slow = new Forecaster(bp, fixed(), reading(500_000), null, false)
                .withSample(new SourceReadSample(40_000, 16_000_000, 17_000_000, 50.0)).forecast(steps);
        assertEquals(133.0, seconds(slow).get("SNAPSHOT"), "read 125 + indexes 6 + fixed 2");
        assertTrue(slow.steps().get(2).assumed().contains("the source's reading is the bottleneck"), slow.steps().get(2).assumed());
        // 10 MB/s on one stream: 4 s over 2 streams, the copy's own 80 s still decide
        Plan.Forecast fast = new Forecaster(bp, fixed(), reading(500_000), null, false)
                .withSample(new SourceReadSample(4_000, 50_000_000, 51_000_000, 5.0)).forecast(steps);
        assertEquals(88.0, seconds(fast).get("SNAPSHOT"));
        assertTrue(fast.steps().get(2).assumed().contains("not the bottleneck"), fast.steps().get(2).assumed());
        // a sample under 8 MiB times the statements more than the source: said, not used
        Plan.Forecast tiny = new Forecaster(bp, fixed(), reading(500_000), null, false)
                .withSample(new SourceReadSample(40, 65_536, 70_000, 0.5)).forecast(steps);
        assertEquals(88.0, seconds(tiny).get("SNAPSHOT"));
        assertTrue(tiny.steps().get(2).assumed().contains("too small to time the source by"), tiny.steps().get(2).assumed());
    }

    @Test
    void theWritePauseIsForecastAsMeasuredNotAsItsCap() {
        Map<Throughput, Calibration.Figure> m = new EnumMap<>(Throughput.class);
        for (Throughput t : Throughput.values()) {
            m.put(t, fixed().get(t));
        }
        m.put(Throughput.WRITE_PAUSE, new Calibration.Figure(0.05, "measured by shop-v1's apply on 2026-12-01", true));
        Blueprint bp = Blueprints.parse(dir, "shop-v2", upgrade("0"));
        List<StepName> steps = ApplyRun.PIPELINE.stream().filter(s -> s.planned(bp)).map(Step::name).toList();
        Plan.StepForecast s = new Forecaster(bp, new Calibration("local", m), reading(500_000), null, false).forecast(steps).steps().get(5);
        assertEquals("SWITCHOVER", s.step());
        assertEquals(0.45, s.seconds(), 1e-9, "the 50 ms measured + the rest 0.4, not maxWritePause's 2 s");
        assertTrue(s.assumed().startsWith("writes paused 50 ms (measured by shop-v1's apply on 2026-12-01), at most 2s"), s.assumed());
    }

    @Test
    void aSourceThatWritesFasterThanTheApplyRateIsForecastNotToCatchUp() {
        Plan.Forecast f = forecast(Blueprints.parse(dir, "shop-v2", upgrade("0")), reading(2_000_000), false);
        Plan.StepForecast c = f.steps().get(3);
        assertEquals("CATCH_UP", c.step());
        assertEquals(1800.0, c.seconds(), "the shipping timeout: apply would fail there");
        assertTrue(c.assumed().contains("not less than the apply rate") && c.assumed().contains("would fail after 30m00s"), c.assumed());
    }

    @Test
    void anUnreadableSourceCountsNoDataAndSaysWhy() {
        Plan.Forecast f = forecast(Blueprints.parse(dir, "shop-v2", upgrade("0")), null, false);
        assertEquals(2.0, seconds(f).get("SNAPSHOT"), "the fixed cost only");
        assertEquals(1.0, seconds(f).get("CATCH_UP"));
        assertTrue(f.steps().get(2).assumed().startsWith("shop-v1 is not in this state yet"), f.steps().get(2).assumed());
        assertFalse(f.source().read());
    }

    @Test
    void aNewUniverseIsForecastWithoutReadingAnyDatabase() {
        Blueprint bp = Blueprints.parse(dir, "shop-v1", """
                imago: 1
                universe: shop-v1
                ingress: { name: shop, port: 18000 }
                compute:
                  - { name: web, count: 2, run: [app] }
                  - { name: worker, run: [work] }
                database: { engine: postgres, version: "15", schema: schema.sql, seed: seed.sql }
                validate:
                  - http: { path: /health }
                """);
        MemoryStateStore store = new MemoryStateStore(dir);
        SourceProbe never = u -> {
            throw new AssertionError("a universe that replaces nothing reads no database");
        };
        Plan plan = new Planner(store, type -> prices(Map.of()), never, type -> fixed()).plan(bp);
        Plan.Forecast f = plan.duration();
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("PROVISION", 16.0);  // max(database 4, new ingress 1: rented beside it) + 2 groups × 6
        expected.put("PREPARE", 0.5);
        expected.put("SEED", 0.7);
        expected.put("VALIDATE", 0.3);    // http on 3 instances × 0.1
        expected.put("SWITCHOVER", 0.4);  // nothing to fence
        assertEquals(expected, seconds(f));
        assertEquals(17.9, f.seconds(), 1e-9);
        assertNull(f.source());
    }

    /**
     * Unit prices per hour: instance 0.0208, database 0.036, ingress 0.0225; storage per GB-month: database 0.10, an
     * instance's 8 GB disk 0.08; data transfer 0.01 per GB at each end; unless {@code missing} names the kind (or
     * {@code storage}, {@code transfer}).
     */
    static PriceList prices(Map<String, Boolean> missing) {
        return new PriceList() {
            public BigDecimal hourlyUsd(String kind, String size) {
                if (missing.containsKey(kind)) {
                    return null;
                }
                return switch (kind) {
                    case "instance" -> new BigDecimal("0.0208");
                    case "database" -> new BigDecimal("0.036");
                    case "ingress" -> new BigDecimal("0.0225");
                    default -> null;
                };
            }

            public BigDecimal storageUsdPerGbMonth(String kind) {
                return missing.containsKey("storage") ? null : new BigDecimal(kind.equals("database") ? "0.10" : "0.08");
            }

            public Integer instanceDiskGb(String size) {
                return 8;
            }

            public BigDecimal transferUsdPerGb(boolean outbound, String otherProvider, String otherRegion) {
                return missing.containsKey("transfer") ? null : new BigDecimal("0.01");
            }

            public String source() {
                return "the test's prices";
            }
        };
    }

    /** shop-v1 live behind ingress shop: a database and two instances, all size small. */
    static MemoryStateStore withShopV1(Path dir) {
        MemoryStateStore store = new MemoryStateStore(dir);
        store.save(UniverseState.create("shop-v1", "local", "/x/shop-v1.yml", null, "shop")
                .withResource(new ResourceRecord("database", "shop-v1-db", Map.of("size", "small")))
                .withResource(new ResourceRecord("instance", "shop-v1-web-0", Map.of("size", "small")))
                .withResource(new ResourceRecord("instance", "shop-v1-web-1", Map.of("size", "small")))
                .withPhase(Phase.LIVE));
        store.save(new IngressState("shop", "local", new ResourceRecord("ingress", "shop", Map.of()), null, null, null).pointedAt("shop-v1"));
        return store;
    }

    @Test
    void theWindowIsPricedResourceByResourceOverTheForecastHours() {
        MemoryStateStore store = withShopV1(dir);
        Plan plan = new Planner(store, type -> prices(Map.of()), u -> reading(500_000), type -> fixed())
                .plan(Blueprints.parse(dir, "shop-v2", upgrade("15m")));
        assertEquals(201.8, plan.duration().seconds(), 1e-9);
        assertEquals(0.0, plan.duration().steps().get(6).seconds(), "keepOld 15m: nothing torn down now");
        Plan.Cost c = plan.cost();
        // new: 201.8 s = 0.0561 h; old: 15 min after the switch = 0.25 h. Storage: 10 GB (the blueprint's default) ×
        // 0.10 / 730 = 0.001370/h; an instance's 8 GB × 0.08 / 730 = 0.000877/h. Transfer: 80,000,000 B of heap +
        // 500,000 B/s × (88 + 89 + 11.9 + 2.4) s of WAL = 175,650,000 B = 0.1636 GiB × (0.01 + 0.01).
        List<String> expected = List.of(
                "shop-v2-db database local small 1 0.036 0.0561 0.0020 shop-v2",      // 0.036 × 0.0561 = 0.00202
                "shop-v2-web instance local small 2 0.0208 0.0561 0.0023 shop-v2",    // 0.0208 × 2 × 0.0561 = 0.00233
                "shop-v2-db storage local database 1 0.001370 0.0561 0.0001 shop-v2", // 0.001370 × 0.0561 = 0.00008
                "shop-v2-web storage local volume 2 0.000877 0.0561 0.0001 shop-v2",  // 0.000877 × 2 × 0.0561 = 0.00010
                "shop-v1-db database local small 1 0.036 0.2500 0.0090 shop-v1",      // 0.036 × 0.25
                "shop-v1-web instance local small 2 0.0208 0.2500 0.0104 shop-v1",    // 0.0208 × 2 × 0.25
                "shop-v1-db storage local database 1 0.001370 0.2500 0.0003 shop-v1", // not recorded: shop-v2's 10 GB; × 0.25 = 0.00034
                "shop-v1-web storage local volume 2 0.000877 0.2500 0.0004 shop-v1",  // 0.000877 × 2 × 0.25 = 0.00044
                "shop-v1 -> shop-v2 transfer local null 1 null null 0.0033 shop-v2"); // 0.1636 × 0.02 = 0.00327
        assertEquals(expected, c.items().stream().map(i -> String.join(" ", i.resource(), i.kind(), i.provider(), i.size(),
                String.valueOf(i.count()), String.valueOf(i.hourly()), String.valueOf(i.hours()), i.usd().toPlainString(), i.universe()))
                .toList());
        assertEquals(new BigDecimal("0.1636"), c.items().get(8).quantity());
        assertEquals(new BigDecimal("0.03"), c.total(), "0.0279 rounded up to the cent");
        // ingress 0.0225 + database 0.036 + its storage 0.001370 + 2 × (0.0208 + 0.000877)
        assertEquals(new BigDecimal("0.103224"), c.hourlyBefore());
        assertEquals(new BigDecimal("0.103224"), c.hourlyAfter());
        assertEquals(new BigDecimal("75.35"), c.monthly(), "0.103224 × 730");
        assertTrue(c.items().get(6).detail().contains("not recorded for shop-v1: taken as shop-v2's"), c.items().get(6).detail());
        assertTrue(c.snapshots().contains("its price list does not say"), c.snapshots());
        assertTrue(c.items().get(5).during().contains("until keepOld (15m) ends"), c.items().get(5).during());
    }

    @Test
    void aMissingPriceIsAnErrorNamingTheResourceNeverAZero() {
        MemoryStateStore store = withShopV1(dir);
        Function<String, PriceList> noDatabases = type -> prices(Map.of("database", true));
        EngineException e = assertThrows(EngineException.class, () -> new Planner(store, noDatabases, u -> reading(0), type -> fixed())
                .plan(Blueprints.parse(dir, "shop-v2", upgrade("15m"))));
        assertEquals(EngineException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("no price for database shop-v2-db (small) on the local provider"), e.getMessage());
    }
}
