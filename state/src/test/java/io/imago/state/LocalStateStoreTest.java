package io.imago.state;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local folder store: the contract, and what only a folder has (modes, temp files, an OS lock freed by a kill). */
class LocalStateStoreTest extends StateStoreContract {
    @TempDir Path dir;

    @Override
    protected StateStore newStore() {
        return new LocalStateStore(dir);
    }

    /** Behind the commands' own check: no name ever turns into a path outside the store's folders. */
    @Test
    void namesThatAreNotPlainAreRefusedBeforeAnyFileIsTouched() throws Exception {
        LocalStateStore store = new LocalStateStore(dir.resolve("st"));
        store.save(UniverseState.create("a", "local", "/a.yml", null, "in"));
        Files.copy(dir.resolve("st/universes/a.json"), dir.resolve("st/x.json"));
        Files.copy(dir.resolve("st/universes/a.json"), dir.resolve("x.json"));
        for (String bad : new String[] {"../x", "../../x", "/etc/passwd", "a/b", "..", "a.json"}) {
            assertThrows(IllegalArgumentException.class, () -> store.universe(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.deleteUniverse(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.deleteIngress(bad), bad);
        }
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
            assertTrue(e.hint().contains("a killed run releases the lock by itself"), e.hint());
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // killed with -9: the OS released its lock, nothing stale remains
        store.lock("after").close();
    }
}
