package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        Path marker = tmp.resolve("catchup.marker");
        Path out = tmp.resolve("apply.out");
        Process p = Cli.builder(tmp, Map.of("IMAGO_FAULT", "pause:CATCH_UP:shipping", "IMAGO_FAULT_FILE", marker.toString()),
                "apply", "--yes", qs.v2().toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(marker), "apply never reached CATCH_UP:\n" + Files.readString(out));
        p.destroy(); // SIGTERM
        Thread.sleep(300);
        Files.delete(marker);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "imago did not stop:\n" + Files.readString(out));
        String output = Files.readString(out);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("interrupted"), output);
        assertTrue(output.contains("shop-v1 is still live and unchanged"), output);

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
