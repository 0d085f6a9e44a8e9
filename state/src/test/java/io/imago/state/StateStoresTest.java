package io.imago.state;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoresTest {
    @TempDir Path dir;

    @Test
    void aFolderIsALocalStore() {
        try (StateStore store = StateStores.open(dir.resolve("st").toString())) {
            assertInstanceOf(LocalStateStore.class, store);
            assertEquals(dir.resolve("st"), ((LocalStateStore) store).dir());
        }
        StateStores.check(".imago");
        StateStores.check("relative/with:colon");
    }

    @Test
    void malformedRemoteStatesAreRefusedBeforeAnythingIsOpened() {
        assertEquals("no bucket in 's3://': use s3://BUCKET/PREFIX",
                assertThrows(IllegalArgumentException.class, () -> StateStores.open("s3://")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> StateStores.check("s3:///x"));
        assertThrows(IllegalArgumentException.class, () -> StateStores.check(""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StateStores.check("blob://transient/c/p")).getMessage()
                .contains("no other kind of URL is supported yet"));
        StateStores.check("s3://imago-state/teams/shop");
    }
}
