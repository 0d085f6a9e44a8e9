package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.BlueprintLoader;
import io.imago.providers.spi.Endpoint;
import io.imago.state.Phase;
import io.imago.state.UniverseState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failure policy on an in-memory provider and state store: the flip is the commit point. Before it, a
 * failure leaves the old universe live and releases the new one; after it (however the failure comes: the
 * ingress call, a state write, a later step, Ctrl-C), nothing the ingress points at is released, and a
 * re-run finishes.
 */
class FailurePolicyTest {
    @TempDir
    Path dir;
    MemoryStateStore store;
    final MemoryProvider provider = MemoryProvider.INSTANCE;

    @BeforeEach
    void setUp() {
        provider.reset();
        Interruption.reset();
        store = new MemoryStateStore(dir);
        apply(blueprint("shop-v1", null), List.of(new ProvisionStep(), new SwitchoverStep()));
        assertEquals(Phase.LIVE, store.universe("shop-v1").orElseThrow().phase());
    }

    @AfterEach
    void tearDown() {
        Interruption.reset();
    }

    @Test
    void aFailureBeforeTheFlipReleasesTheNewUniverseAndLeavesTheOldLive() {
        EngineException e = assertThrows(EngineException.class,
                () -> apply(blueprint("shop-v2", "shop-v1"), List.of(new ProvisionStep(), failing(StepName.VALIDATE), new SwitchoverStep())));
        assertEquals(EngineException.Kind.FAILED, e.kind());
        assertTrue(e.getMessage().contains("shop-v1 is still live and unchanged"), e.getMessage());
        assertEquals(List.of("shop-v1"), provider.universesRenting());
        assertServes("shop-v1");
        assertEquals(Phase.FAILED, phase("shop-v2"));
        assertEquals(Phase.LIVE, phase("shop-v1"));
    }

    @Test
    void anIngressCallThatFailsAfterFlippingKeepsTheNewUniverseAndAReRunFinishes() {
        provider.afterPoint = () -> {
            throw new IllegalStateException("read timed out (the change was applied)");
        };
        EngineException e = assertThrows(EngineException.class, () -> apply(upgrade(), v2Pipeline()));
        provider.afterPoint = null;
        assertTrue(e.getMessage().contains("shop-v2 is live and serves users; nothing was released"), e.getMessage());
        assertServes("shop-v2");
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());
        assertFalse(phase("shop-v2") == Phase.FAILED);

        apply(upgrade(), v2Pipeline());
        assertEquals(Phase.LIVE, phase("shop-v2"));
        assertEquals(Phase.RETIRING, phase("shop-v1"));
        assertTrue(Fact.FLIPPED_AT.isSet(store.universe("shop-v2").orElseThrow()));
    }

    @Test
    void aStateWriteFailingAtTheFlipKeepsTheNewUniverse() {
        provider.afterPoint = () -> store.failSavesAfter = 0; // the disk fills the instant the ingress has flipped
        EngineException e = assertThrows(EngineException.class, () -> apply(upgrade(), v2Pipeline()));
        provider.afterPoint = null;
        store.failSavesAfter = -1;
        assertTrue(e.getMessage().contains("shop-v2 is live"), e.getMessage());
        assertTrue(e.getCause().getSuppressed().length > 0, "the failed state writes are kept with the cause, for --verbose");
        assertServes("shop-v2");
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());

        apply(upgrade(), v2Pipeline()); // the re-run asks the ingress, finds the flip, and records it
        assertEquals(Phase.LIVE, phase("shop-v2"));
        assertEquals(Phase.RETIRING, phase("shop-v1"));
        assertEquals("shop-v2", store.ingress("shop").orElseThrow().live());
    }

    @Test
    void aFailingStepAfterTheFlipKeepsTheNewUniverse() {
        EngineException e = assertThrows(EngineException.class,
                () -> apply(upgrade(), List.of(new ProvisionStep(), new SwitchoverStep(), failing(StepName.RETIRE))));
        assertTrue(e.getMessage().contains("RETIRE failed after the switch"), e.getMessage());
        assertTrue(e.getMessage().contains("shop-v1 is not retired yet"), e.getMessage());
        assertServes("shop-v2");
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());
        assertEquals(Phase.LIVE, phase("shop-v2"));
    }

    @Test
    void anIngressThatCannotBeAskedReleasesNothing() {
        EngineException e = assertThrows(EngineException.class, () -> apply(upgrade(), List.of(new ProvisionStep(), step(StepName.VALIDATE, ctx -> {
            provider.ingressDown = true;
            throw new IllegalStateException("connection refused");
        }))));
        provider.ingressDown = false;
        assertTrue(e.getMessage().contains("nothing was released"), e.getMessage());
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());
    }

    @Test
    void ctrlCBeforeTheFlipStopsAtTheNextCheckpointWithTheOldUniverseLive() {
        EngineException e = assertThrows(EngineException.class,
                () -> apply(upgrade(), List.of(new ProvisionStep(), interrupting(StepName.VALIDATE), new SwitchoverStep())));
        assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
        assertServes("shop-v1");
        assertEquals(List.of("shop-v1"), provider.universesRenting());
    }

    @Test
    void ctrlCAfterTheFlipKeepsTheNewUniverse() {
        EngineException e = assertThrows(EngineException.class,
                () -> apply(upgrade(), List.of(new ProvisionStep(), new SwitchoverStep(), interrupting(StepName.RETIRE), new RetireStep())));
        assertTrue(e.getMessage().contains("shop-v2 is live"), e.getMessage());
        assertServes("shop-v2");
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());
    }

    @Test
    void retirementNeverTearsDownWhatTheIngressPointsAt() {
        apply(upgrade(), v2Pipeline());
        // A rollback killed between its flip back and its record: the state says v2, the ingress serves v1.
        UniverseState v1 = store.universe("shop-v1").orElseThrow();
        store.save(Fact.RETIRE_AFTER.set(v1, Instant.now().minusSeconds(60)));
        provider.targets.put("shop", endpointsOf("shop-v1"));
        memoryProviderInState();
        try (Engine engine = new Engine(store, Reporter.SILENT)) {
            assertEquals(List.of(), engine.retireExpired());
        }
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());
        assertTrue(store.universe("shop-v1").isPresent());

        // Once the ingress really points at v2 again, the window's end retires v1 as usual.
        provider.targets.put("shop", endpointsOf("shop-v2"));
        try (Engine engine = new Engine(store, Reporter.SILENT)) {
            assertEquals(List.of("shop-v1"), engine.retireExpired());
        }
        assertEquals(List.of("shop-v2"), provider.universesRenting());
    }

    @Test
    void destroyRefusesAUniverseTheIngressPointsAtWhenTheStateSaysAnotherIsLive() {
        apply(upgrade(), v2Pipeline());
        provider.targets.put("shop", endpointsOf("shop-v1"));
        memoryProviderInState();
        try (Engine engine = new Engine(store, Reporter.SILENT)) {
            EngineException e = assertThrows(EngineException.class, () -> engine.destroy("shop-v1"));
            assertTrue(e.getMessage().contains("points at shop-v1"), e.getMessage());
        }
        assertEquals(List.of("shop-v1", "shop-v2"), provider.universesRenting());
    }

    // --- helpers

    private Blueprint upgrade() {
        return blueprint("shop-v2", "shop-v1");
    }

    private static List<Step> v2Pipeline() {
        return List.of(new ProvisionStep(), new SwitchoverStep(), new RetireStep());
    }

    private ApplyResult apply(Blueprint bp, List<Step> pipeline) {
        return new ApplyRun(store, Reporter.SILENT, type -> provider, pipeline).apply(bp);
    }

    private Blueprint blueprint(String universe, String replaces) {
        String yaml = "imago: 1\nuniverse: " + universe + "\n" + (replaces == null ? "" : "replaces: " + replaces + "\n")
                + "ingress: { name: shop }\ncompute:\n  - { name: web, run: [app], count: 2 }\nteardown: { keepOld: 15m }\n";
        BlueprintLoader.LoadResult r = BlueprintLoader.parse(universe + ".yaml", yaml, dir, Map.<String, String>of()::get);
        assertTrue(r.ok(), r.errors().toString());
        // On the memory provider, as its ingress is: apply refuses an ingress of another provider than the universe's.
        return Blueprints.onMemory(r.blueprint());
    }

    private static Step failing(StepName name) {
        return step(name, ctx -> {
            throw new IllegalStateException("injected failure in " + name);
        });
    }

    /** A step that is asked to stop (as Ctrl-C does) and reaches a checkpoint, as a long step's progress report does. */
    private static Step interrupting(StepName name) {
        return step(name, ctx -> {
            Interruption.request();
            ctx.reporter.progress(new Progress(name.name(), "working", 1, 2, false, java.time.Duration.ZERO, null, null));
        });
    }

    private static Step step(StepName name, java.util.function.Consumer<ApplyContext> body) {
        return new FakeStep() {
            public StepName name() {
                return name;
            }

            public boolean applies(ApplyContext ctx) {
                return true;
            }

            public String run(ApplyContext ctx) {
                body.accept(ctx);
                return "done";
            }
        };
    }

    /** A step of a test's own pipeline: never planned. */
    private abstract static class FakeStep implements Step {
        public boolean planned(Blueprint bp) {
            return false;
        }

        public String preview(Blueprint bp) {
            return "";
        }
    }

    private Phase phase(String universe) {
        return store.universe(universe).orElseThrow().phase();
    }

    private List<Endpoint> endpointsOf(String universe) {
        return new ArrayList<>(provider.compute().list(universe).stream().map(r -> provider.compute().endpoint(r)).toList());
    }

    private void assertServes(String universe) {
        assertEquals(new java.util.HashSet<>(endpointsOf(universe)), new java.util.HashSet<>(provider.targets.get("shop")),
                "the ingress points at " + universe);
    }

    /** The blueprints say provider local; the engine's own lookups must find the memory provider. */
    private void memoryProviderInState() {
        for (UniverseState u : store.universes()) {
            store.save(new UniverseState(u.name(), u.phase(), "memory", u.blueprint(), u.replaces(), u.ingress(), u.resources(),
                    u.journal(), u.facts(), u.created(), u.updated()));
        }
    }
}
