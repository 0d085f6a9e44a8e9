package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LastingFenceTest {
    @Test
    void sentItChangesNothingCommittedItStopsWritersAndLiftingRestoresThem() throws Exception {
        WriteFenceTest.Setup s = WriteFenceTest.setup("lasting_fence");
        try (Connection writer = s.app().connect(); Connection admin = s.admin().connect(); Connection other = s.admin().connect()) {
            LastingFence fence = LastingFence.send(admin, s.role(), other);
            Db.exec(s.app(), "INSERT INTO items (v) VALUES ('sent, not committed')");
            writer.setAutoCommit(false);
            writer.createStatement().execute("INSERT INTO items (v) VALUES ('in flight')"); // holds an xid now
            fence.commit();
            assertThrows(RuntimeException.class, () -> Db.exec(s.app(), "INSERT INTO items (v) VALUES ('after the commit')"));
            assertEquals(1, fence.stopWriters(Duration.ofMillis(300)));
            assertThrows(SQLException.class, writer::commit);
            assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + s.role() + "'"),
                    "the terminated writer is gone once the writers are stopped");
        }
        assertEquals(1, Db.count(s.admin(), "SELECT count(*) FROM items"));
        WriteFence.lift(s.admin(), s.role());
        Db.exec(s.app(), "INSERT INTO items (v) VALUES ('lifted')");
        assertEquals(2, Db.count(s.admin(), "SELECT count(*) FROM items"));
    }

    /** A pause that fails, or an imago that dies, before the commit leaves the source exactly as it was. */
    @Test
    void aFenceNeverCommittedLeavesNothingBehindWhetherAbandonedOrCutOff() throws Exception {
        WriteFenceTest.Setup s = WriteFenceTest.setup("lasting_fence_abandoned");
        try (Connection admin = s.admin().connect(); Connection other = s.admin().connect()) {
            LastingFence.send(admin, s.role(), other).abandon();
            assertUntouched(s);
            LastingFence.send(admin, s.role(), other);
        } // the session ends with its transaction open, as when imago is killed
        assertUntouched(s);
        assertEquals(2, Db.count(s.admin(), "SELECT count(*) FROM items"));
    }

    private static void assertUntouched(WriteFenceTest.Setup s) {
        assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'imago'"));
        assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM pg_db_role_setting WHERE setrole = '" + s.role() + "'::regrole"));
        Db.exec(s.app(), "INSERT INTO items (v) VALUES ('still writable')");
    }
}
