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
