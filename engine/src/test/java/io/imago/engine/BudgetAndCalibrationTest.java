package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.Blueprint;
import io.imago.state.LocalStateStore;
import io.imago.state.Phase;
import io.imago.state.ProviderCalibration;
import io.imago.state.ResourceRecord;
import io.imago.state.UniverseState;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine around the forecast, on the in-memory provider and a real state folder: plan changes nothing, the budget
 * guard refuses before anything is rented, and an apply records what it measured and what was forecast.
 */
class BudgetAndCalibrationTest {
    @TempDir Path dir;
    final MemoryProvider provider = MemoryProvider.INSTANCE;
    LocalStateStore store;

    @BeforeEach
    void setUp() {
        provider.reset();
        Interruption.reset();
        store = new LocalStateStore(dir.resolve(".imago"));
    }

    private Blueprint blueprint(String universe, String replaces, String extra) {
        return Blueprints.onMemory(Blueprints.parse(dir, universe, "imago: 1\nuniverse: " + universe + "\n"
                + (replaces == null ? "" : "replaces: " + replaces + "\n")
                + "ingress: { name: shop }\ncompute:\n  - { name: web, run: [app], count: 2 }\n" + extra));
    }

    private Engine engine() {
        return new Engine(store, Reporter.SILENT, u -> {
            throw new AssertionError("no database to read on the memory provider");
        });
    }

    @Test
    void theBudgetGuardRefusesBeforeAnythingIsRentedShowingBothFigures() {
        try (Engine e = engine()) {
            e.apply(blueprint("shop-v1", null, ""));
        }
        assertEquals(List.of("shop-v1"), provider.universesRenting());
        // The window: shop-v2's 2 instances for the forecast (well under a second: shop-v1's apply measured the memory
        // provider), and shop-v1's 2 instances × 0.10 USD/h kept 15 min after the switch = 0.05 USD.
        Blueprint v2 = blueprint("shop-v2", "shop-v1", "teardown: { keepOld: 15m }\nbudget: { maxUsd: 1 }\n");
        EngineException refused;
        try (Engine e = engine()) {
            refused = assertThrows(EngineException.class, () -> e.apply(v2, new BigDecimal("0.04")));
        }
        assertEquals(EngineException.Kind.FAILED, refused.kind(), "exit 1");
        assertTrue(refused.getMessage().contains("0.05 USD, exceeds --max-usd, 0.04 USD"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("nothing was rented"), refused.getMessage());
        assertEquals(List.of("shop-v1"), provider.universesRenting(), "nothing rented for shop-v2");
        assertTrue(store.universe("shop-v2").isEmpty(), "nothing recorded for shop-v2");
        assertEquals("shop-v1", store.ingress("shop").orElseThrow().live());

        Blueprint tight = blueprint("shop-v2", "shop-v1", "teardown: { keepOld: 15m }\nbudget: { maxUsd: 0.01 }\n");
        try (Engine e = engine()) {
            EngineException fromBlueprint = assertThrows(EngineException.class, () -> e.apply(tight, new BigDecimal("100")));
            assertTrue(fromBlueprint.getMessage().contains("exceeds budget.maxUsd in shop-v2.yaml, 0.01 USD"), "the lower bound holds: "
                    + fromBlueprint.getMessage());
        }
        assertTrue(store.universe("shop-v2").isEmpty());

        try (Engine e = engine()) {
            ApplyResult r = e.apply(v2, new BigDecimal("0.05"));
            assertEquals("LIVE", r.phase());
        }
    }

    @Test
    void anApplyRecordsItsForecastAndWhatItMeasuredAndStatusSetsThemSideBySide() {
        try (Engine e = engine()) {
            e.apply(blueprint("shop-v1", null, ""));
        }
        double measuredByV1 = store.calibration("memory").orElseThrow().figures().get("provisionInstancesSeconds").value();
        try (Engine e = engine()) {
            e.apply(blueprint("shop-v2", "shop-v1", "teardown: { keepOld: 0 }\n"));
        }
        UniverseState v2 = store.universe("shop-v2").orElseThrow();
        assertEquals(Phase.LIVE, v2.phase());
        StepTimes forecast = Fact.FORECAST.get(v2);
        assertEquals(List.of("PROVISION", "SWITCHOVER", "RETIRE"), List.copyOf(forecast.seconds().keySet()));
        assertEquals(Forecasts.hundredths(measuredByV1), forecast.seconds().get("PROVISION"), "1 group × what shop-v1's apply measured, "
                + "the ingress kept (the memory provider ships 1 s a group: the measurement replaced it)");

        ProviderCalibration measured = store.calibration("memory").orElseThrow();
        assertTrue(measured.figures().keySet().containsAll(List.of("provisionInstancesSeconds", "provisionIngressSeconds",
                "switchoverFixedSeconds", "retireSeconds")), measured.figures().keySet().toString());
        assertEquals("shop-v2", measured.figures().get("retireSeconds").universe());
        Calibration now = Calibration.load(store, "memory");
        assertTrue(now.get(Throughput.PROVISION_INSTANCES).origin().startsWith("measured by shop-v2's apply on "),
                now.get(Throughput.PROVISION_INSTANCES).origin());
        assertFalse(now.get(Throughput.COPY_ROWS).measured());

        List<UniverseView.StepTiming> timings = Engine.timings(v2);
        assertEquals(List.of("PROVISION", "SWITCHOVER", "RETIRE"), timings.stream().map(UniverseView.StepTiming::step).toList());
        timings.forEach(t -> {
            assertNotNull(t.forecastSeconds(), t.toString());
            assertNotNull(t.actualSeconds(), t.toString());
        });
    }

    @Test
    void planChangesNothing() throws IOException {
        try (Engine e = engine()) {
            e.apply(blueprint("shop-v1", null, ""));
        }
        // A database record, so that the plan reads the source (through the fake probe): reading must write nothing either.
        UniverseState v1 = store.universe("shop-v1").orElseThrow();
        store.save(v1.withResource(new ResourceRecord("instance", "shop-v1-web-9", Map.of("size", "small"))));
        Map<String, String> before = files(dir.resolve(".imago"));
        Plan plan;
        try (Engine e = new Engine(store, Reporter.SILENT, u -> new SourceReading(List.of(), 0, 1.0))) {
            plan = e.plan(blueprint("shop-v2", "shop-v1", "teardown: { keepOld: 15m }\n"));
        }
        assertEquals(before, files(dir.resolve(".imago")), "plan wrote, moved or deleted nothing in the state");
        assertTrue(store.calibration("memory").isPresent(), "shop-v1's apply measured");
        assertEquals(List.of("shop-v1"), provider.universesRenting());
        assertEquals(List.of("PROVISION", "SWITCHOVER", "RETIRE"), plan.duration().steps().stream().map(Plan.StepForecast::step).toList());
        assertEquals(List.of("shop-v2-web 2 small", "shop-v1-web 2 null", "shop-v1-web 1 small"), plan.cost().items().stream()
                .map(i -> i.resource() + " " + i.count() + " " + i.size()).toList(), "instances grouped by size; no ingress line: it is kept");
    }

    /** Every file under the folder with its bytes and modification time. */
    private static Map<String, String> files(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(root.relativize(p).toString(), Files.getLastModifiedTime(p) + " " + java.util.Arrays.hashCode(Files.readAllBytes(p)));
            }
        }
        return m;
    }
}
