package io.imago.state;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStateStoreTest {
    @TempDir Path dir;

    @Test
    void universeRoundTripsWithResourcesJournalAndFacts() {
        LocalStateStore store = new LocalStateStore(dir);
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

    /** Behind the commands' own check: no name ever turns into a path outside the store's folders. */
    @Test
    void namesThatAreNotPlainAreRefusedBeforeAnyFileIsTouched() throws Exception {
        LocalStateStore store = new LocalStateStore(dir.resolve("st"));
        store.save(UniverseState.create("a", "local", "/a.yml", null, "in"));
        Files.copy(dir.resolve("st/universes/a.json"), dir.resolve("st/x.json"));
        Files.copy(dir.resolve("st/universes/a.json"), dir.resolve("x.json"));
        for (String bad : new String[] {"../x", "../../x", "/etc/passwd", "a/b", ".", "..", "", ".hidden", "x\0y", "x\ny", "a.json"}) {
            assertThrows(IllegalArgumentException.class, () -> store.universe(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.ingress(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.deleteUniverse(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.deleteIngress(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.save(UniverseState.create(bad, "local", "/a.yml", null, "in")), bad);
            assertThrows(IllegalArgumentException.class, () -> store.providerDir(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> store.universe(null));
        assertTrue(Files.exists(dir.resolve("st/x.json")) && Files.exists(dir.resolve("x.json")), "nothing was deleted");
        assertTrue(store.universe("a").isPresent());
        assertEquals(dir.resolve("st/providers/local").toAbsolutePath(), store.providerDir("local"));
    }

    @Test
    void filesAreReadableByTheOwnerOnlyAndNoTempFileRemains() throws Exception {
        LocalStateStore store = new LocalStateStore(dir.resolve("st"));
        store.save(UniverseState.create("a", "local", "/a.yml", null, "in"));
        Path f = dir.resolve("st/universes/a.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("st"))));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void secondLockInTheSameProcessIsRefusedNamingTheHolder() {
        LocalStateStore store = new LocalStateStore(dir);
        try (StateStore.Lock ignored = store.lock("apply")) {
            StateLockedException e = assertThrows(StateLockedException.class, () -> store.lock("destroy"));
            assertEquals(ProcessHandle.current().pid(), e.holder().pid());
            assertEquals("apply", e.holder().operation());
        }
        store.lock("again").close();
    }

    @Test
    void lockHeldByAnotherProcessIsRefusedAndFreedWhenItIsKilled() throws Exception {
        LocalStateStore store = new LocalStateStore(dir);
        Process holder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), dir.toString())
                .redirectErrorStream(true)
                .start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine();
            assertEquals("locked", line);
            StateLockedException e = assertThrows(StateLockedException.class, () -> store.lock("destroy"));
            assertEquals(holder.pid(), e.holder().pid());
            assertEquals("apply", e.holder().operation());
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // killed with -9: the OS released its lock, nothing stale remains
        store.lock("after").close();
    }
}
