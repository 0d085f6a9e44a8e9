package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM (what Ctrl-C and a supervisor send) during an upgrade: imago stops cleanly and the old universe stays live, unfenced, slot-free. */
class SignalIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
        }
    }

    @Test
    void sigtermDuringCatchUpLeavesTheOldUniverseAsItWas() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        PausedRun run = PausedRun.at(tmp, "CATCH_UP:shipping", "apply", "--yes", qs.v2().toString());
        // Production is streamed by a role that can only read: no superuser, no write privilege.
        try (Connection c = qs.db("shop-v1"); Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("SELECT usename FROM pg_stat_replication");
            assertTrue(rs.next(), "log shipping streams from shop-v1");
            assertEquals("imago_reader", rs.getString(1));
            rs = st.executeQuery("SELECT rolsuper, rolreplication, has_table_privilege('imago_reader', 'orders', 'INSERT, UPDATE, DELETE, TRUNCATE') "
                    + "FROM pg_roles WHERE rolname = 'imago_reader'");
            assertTrue(rs.next());
            assertFalse(rs.getBoolean(1), "the reader is no superuser");
            assertTrue(rs.getBoolean(2), "the reader may stream changes");
            assertFalse(rs.getBoolean(3), "the reader may not write");
        }
        run.process.destroy(); // SIGTERM
        Thread.sleep(300);
        run.release();
        Cli.Result r = run.finish(2);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("interrupted"), r.out());
        assertTrue(r.out().contains("shop-v1 is still live and unchanged"), r.out());

        assertEquals("shop-v1", qs.get("/health").headers().firstValue("X-Universe").orElse(""));
        assertEquals("FAILED", qs.universe("shop-v2").get("phase").asText());
        try (Connection c = qs.db("shop-v1"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "a slot is left on shop-v1");
        }
        try (Connection app = qs.appDb("shop-v1"); Statement st = app.createStatement()) {
            assertEquals(1, st.executeUpdate("INSERT INTO orders (customer_id, amount_cents) VALUES (1, 100)"), "shop-v1 takes writes");
        }
    }
}
