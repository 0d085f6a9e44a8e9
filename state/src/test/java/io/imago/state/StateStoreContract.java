package io.imago.state;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every state store does, whatever holds the state: each implementation's test extends this and says how to
 * open a store on a fresh, empty state (Terraform's {@code statemgr.TestFull}, jclouds' contract tests).
 */
public abstract class StateStoreContract {
    /** A new store on this test's state: two calls give two stores on the same state, as two runs would have. */
    protected abstract StateStore newStore();

    @Test
    void universeRoundTripsWithResourcesJournalAndFacts() {
        StateStore store = newStore();
        UniverseState u = UniverseState.create("shop-v1", "local", "/x/shop-v1.yml", null, "shop")
                .withResource(new ResourceRecord("instance", "shop-v1-web-0", Map.of("pid", "42", "port", "9000")))
                .withJournal("PROVISION", JournalEntry.Status.STARTED, null)
                .withJournal("PROVISION", JournalEntry.Status.DONE, "2 instances")
                .withFact("slot", "imago_shop_v2")
                .withPhase(Phase.LIVE);
        store.save(u);
        UniverseState back = store.universe("shop-v1").orElseThrow();
        assertEquals(u, back);
        assertTrue(back.stepDone("PROVISION"));
        assertFalse(back.stepDone("SNAPSHOT"));
        assertEquals(1, store.universes().size());
        store.deleteUniverse("shop-v1");
        assertTrue(store.universe("shop-v1").isEmpty());
    }

    @Test
    void ingressRoundTripsAndRecordsTheSwitch() {
        StateStore store = newStore();
        IngressState in = new IngressState("shop", "local", new ResourceRecord("ingress", "shop", Map.of("port", "8000")), null, null, null)
                .pointedAt("shop-v1")
                .pointedAt("shop-v2");
        store.save(in);
        IngressState back = store.ingress("shop").orElseThrow();
        assertEquals(in, back);
        assertEquals("shop-v2", back.live());
        assertEquals("shop-v1", back.previous());
        assertEquals(List.of(in), store.ingresses());
        store.deleteIngress("shop");
        assertTrue(store.ingress("shop").isEmpty());
        assertTrue(store.ingresses().isEmpty());
    }

    @Test
    void aProviderCalibrationRoundTripsAndIsKeptApartFromUniverses() {
        StateStore store = newStore();
        assertTrue(store.calibration("local").isEmpty());
        ProviderCalibration c = ProviderCalibration.empty("local").with(Map.of("copyRowsPerSecond",
                new ProviderCalibration.Measurement(61234.5, java.time.Instant.parse("2026-01-02T03:04:05Z"), "shop-v2", "1,000,000 rows in 16.3 s")));
        store.save(c);
        assertEquals(c, store.calibration("local").orElseThrow());
        assertEquals(c, newStore().calibration("local").orElseThrow());
        assertTrue(store.calibration("aws").isEmpty());
        assertTrue(store.universes().isEmpty(), "a calibration is not a universe");
    }

    @Test
    void aFreshStateIsEmptyAndDeletingWhatIsNotThereIsFine() {
        StateStore store = newStore();
        assertTrue(store.universes().isEmpty());
        assertTrue(store.ingresses().isEmpty());
        assertTrue(store.universe("shop-v1").isEmpty());
        assertTrue(store.ingress("shop").isEmpty());
        store.deleteUniverse("shop-v1");
        store.deleteIngress("shop");
        assertTrue(store.universes().isEmpty());
    }

    @Test
    void universesAreListedInNameOrderAndASaveReplacesTheWholeRecord() {
        StateStore store = newStore();
        for (String name : new String[] {"shop-v2", "blog", "shop-v1"}) {
            store.save(UniverseState.create(name, "local", "/" + name + ".yml", null, "in"));
        }
        UniverseState v1 = store.universe("shop-v1").orElseThrow();
        store.save(v1.withPhase(Phase.RETIRING).withFact("retireAfter", "2030-01-01T00:00:00Z"));
        store.save(v1.withPhase(Phase.LIVE));
        assertEquals(List.of("blog", "shop-v1", "shop-v2"), store.universes().stream().map(UniverseState::name).toList());
        UniverseState back = store.universe("shop-v1").orElseThrow();
        assertEquals(Phase.LIVE, back.phase());
        assertNull(back.fact("retireAfter"), "the last save wins whole: nothing of the one before it remains");
    }

    @Test
    void anotherStoreOnTheSameStateSeesEveryWrite() {
        StateStore writer = newStore();
        StateStore reader = newStore();
        UniverseState u = UniverseState.create("shop-v1", "local", "/shop-v1.yml", null, "shop").withPhase(Phase.LIVE);
        writer.save(u);
        assertEquals(u, reader.universe("shop-v1").orElseThrow());
        writer.deleteUniverse("shop-v1");
        assertTrue(reader.universes().isEmpty());
    }

    /** Behind the commands' own check: no name ever turns into a path or key outside the store's folders. */
    @Test
    void namesThatAreNotPlainAreRefused() {
        StateStore store = newStore();
        for (String bad : new String[] {"../x", "../../x", "/etc/passwd", "a/b", ".", "..", "", ".hidden", "x\0y", "x\ny", "a.json"}) {
            assertThrows(IllegalArgumentException.class, () -> store.universe(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.ingress(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.deleteUniverse(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.deleteIngress(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.save(UniverseState.create(bad, "local", "/a.yml", null, "in")), bad);
            assertThrows(IllegalArgumentException.class, () -> store.providerDir(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> store.universe(null));
        assertTrue(store.universes().isEmpty(), "nothing was written");
    }

    @Test
    void providerDirIsALocalFolderPerProviderThatReadingDoesNotCreate() {
        StateStore store = newStore();
        Path local = store.providerDir("local");
        assertTrue(local.isAbsolute(), local.toString());
        assertEquals("local", local.getFileName().toString());
        assertNotEquals(local, store.providerDir("aws"));
        assertEquals(local.getParent(), store.providerDir("aws").getParent());
        store.universes();
        store.universe("shop-v1");
        assertFalse(Files.exists(local), "a dry run leaves no trace");
    }

    @Test
    void aSecondLockIsRefusedNamingTheHolder() {
        StateStore store = newStore();
        try (StateStore.Lock ignored = store.lock("apply shop-v2")) {
            StateLockedException e = assertThrows(StateLockedException.class, () -> store.lock("destroy shop-v1"));
            LockInfo holder = e.holder();
            assertNotNull(holder, e.getMessage());
            assertEquals(ProcessHandle.current().pid(), holder.pid());
            assertEquals("apply shop-v2", holder.operation());
            assertEquals(System.getProperty("user.name"), holder.user());
            assertNotNull(holder.host());
            assertNotNull(holder.started());
            assertTrue(e.getMessage().contains("apply shop-v2"), e.getMessage());
            assertNotNull(e.hint());
        }
        store.lock("again").close();
    }

    @Test
    void aLockIsRefusedToAnotherStoreUntilReleased() {
        StateStore first = newStore();
        StateStore second = newStore();
        StateStore.Lock held = first.lock("apply shop-v2");
        try {
            StateLockedException e = assertThrows(StateLockedException.class, () -> second.lock("rollback shop-v2"));
            assertEquals("apply shop-v2", e.holder().operation());
        } finally {
            held.close();
        }
        try (StateStore.Lock mine = second.lock("rollback shop-v2")) {
            assertEquals("rollback shop-v2", assertThrows(StateLockedException.class, () -> first.lock("x")).holder().operation());
        }
    }
}
