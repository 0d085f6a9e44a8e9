package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;

/** No slot outlives its purpose on production: interrupted copies, busy slots at destroy, leftovers status points at. */
class SlotLeakIT {
    @TempDir java.nio.file.Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
        }
    }

    @Test
    void sigtermInTheMiddleOfTheCopyLeavesNoSlot() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        PausedRun run = PausedRun.at(tmp, "SNAPSHOT:copying", "apply", "--yes", qs.v2().toString());
        assertEquals(List.of("imago_shop_v2"), slots("shop-v1"), "the copy's slot exists while it copies");
        List<String> readers = new ArrayList<>();
        try (Connection c = qs.db("shop-v1"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT usename FROM pg_stat_activity WHERE application_name = 'imago-migration' AND pid <> pg_backend_pid()")) {
            while (rs.next()) {
                readers.add(rs.getString(1));
            }
        }
        assertFalse(readers.isEmpty(), "the copy reads shop-v1");
        assertEquals(List.of("imago_reader"), readers.stream().distinct().toList(), "production is copied by a role that can only read");
        run.process.destroy(); // SIGTERM
        Thread.sleep(300);
        run.release();
        Cli.Result r = run.finish(2);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("interrupted"), r.out());
        assertEquals(List.of(), slots("shop-v1"), "a slot is left on production");
    }

    @Test
    void destroyRetriesASlotStillInUseStatusShowsSlotsAndLeftovers() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        try (Connection c = qs.db("shop-v1"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW max_slot_wal_keep_size")) {
            rs.next();
            assertEquals("10GB", rs.getString(1), "a slot nobody reads cannot fill production's disk");
        }
        // An apply killed while it ships leaves its slot (so that a re-run resumes without copying again).
        PausedRun run = PausedRun.at(tmp, "CATCH_UP:shipping", "apply", "--yes", qs.v2().toString());
        run.process.destroyForcibly().waitFor();
        assertEquals(List.of("imago_shop_v2"), slots("shop-v1"));

        try (Connection c = qs.db("shop-v1"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('imago_leftover', 'pgoutput')");
        }
        JsonNode v1 = Quickstart.JSON.readTree(qs.imago("status", "shop-v1", "--output", "json").out()).get("universes").get(0);
        List<String> names = new ArrayList<>();
        v1.get("slots").forEach(s -> names.add(s.get("name").asText()));
        assertEquals(List.of("imago_leftover", "imago_shop_v2"), names);
        assertTrue(v1.get("warnings").toString().contains("imago_leftover"), v1.toString());
        assertFalse(v1.get("warnings").toString().contains("imago_shop_v2"), v1.toString());
        try (Connection c = qs.db("shop-v1"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot('imago_leftover')");
        }

        // A consumer holds the slot for longer than one drop attempt waits (10 s), even counting a slow JVM start of destroy:
        // destroy tries again and drops it once the consumer lets go (three attempts span up to 36 s).
        Thread holder = new Thread(() -> holdSlot("shop-v1", "imago_shop_v2", 20_000));
        holder.start();
        // Until the holder streams it (a TLS handshake and a JVM's first one at that can take a while on a busy machine).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!slotActive("shop-v1", "imago_shop_v2") && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        Cli.Result destroyed = qs.imago("destroy", "shop-v2", "--yes");
        holder.join(40_000);
        assertEquals(0, destroyed.code(), destroyed.toString());
        assertTrue(destroyed.err().contains("trying again"), destroyed.toString());
        assertEquals(List.of(), slots("shop-v1"));
        assertNull(qs.universe("shop-v2"));
    }

    private boolean slotActive(String universe, String slot) throws Exception {
        try (Connection c = qs.db(universe); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private List<String> slots(String universe) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = qs.db(universe); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT slot_name FROM pg_replication_slots ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Reads the slot's stream (so the slot is active) for a while, then lets it go. */
    private void holdSlot(String universe, String slot, long millis) {
        try {
            java.net.URI url = java.net.URI.create(qs.universe(universe).get("database").get("url").asText());
            String password = Quickstart.JSON.readTree(qs.dir.resolve(".imago/providers/local/_secrets/" + universe + ".json").toFile())
                    .get("imago").asText();
            Properties p = new Properties();
            p.setProperty("user", "imago");
            p.setProperty("password", password);
            p.setProperty("replication", "database");
            p.setProperty("preferQueryMode", "simple");
            p.setProperty("assumeMinServerVersion", "10");
            try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath(), p)) {
                PGReplicationStream stream = c.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                        .withSlotName(slot).withSlotOption("proto_version", 1).withSlotOption("publication_names", slot).start();
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
                while (System.nanoTime() < end) {
                    stream.readPending();
                    Thread.sleep(50);
                }
                stream.close();
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
