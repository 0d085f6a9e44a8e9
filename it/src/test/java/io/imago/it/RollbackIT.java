package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollback window: going back loses no write where the transforms invert, and says so where they do not. */
class RollbackIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        qs.destroyAllAndCheckNothingLeft();
    }

    /** shop-v2 with a rollback window, and every table migrated (sessions too), so every transform inverts. */
    private void invertibleV2() throws Exception {
        Files.writeString(qs.v2(), Files.readString(qs.v2())
                .replace("keepOld: 0", "keepOld: 10m")
                .replace("    - table: sessions\n      skip: true                     # sessions start empty in v2: users sign in again\n", ""));
    }

    @Test
    void rollbackAfterWritesOnV2LosesNoneOfThem() throws Exception {
        qs = new Quickstart(tmp);
        invertibleV2();
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        JsonNode plan = Quickstart.JSON.readTree(qs.imago("plan", "--output", "json", qs.v2().toString()).out());
        assertTrue(plan.get("rollback").get("shipsBack").asBoolean(), plan.toString());
        assertEquals(0, plan.get("rollback").get("notInvertible").size(), plan.toString());
        Cli.Result applied = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(0, applied.code(), applied.toString());
        assertEquals("RETIRING", qs.universe("shop-v1").get("phase").asText());

        // Writes on v2 of every kind: through the app, and straight to its database.
        for (int i = 0; i < 5; i++) {
            assertEquals(201, qs.post("/api/customers", "{\"name\":\"On v2 " + i + "\",\"email\":\"v2-" + i + "@rollback.test\"}").statusCode());
        }
        try (Connection v2 = qs.db("shop-v2"); Statement st = v2.createStatement()) {
            st.executeUpdate("UPDATE customers SET full_name = full_name || ' (renamed on v2)' WHERE id <= 5");
            st.executeUpdate("UPDATE purchase_orders SET status = 'shipped' WHERE id % 7 = 0");
            st.executeUpdate("DELETE FROM purchase_orders WHERE id % 11 = 0");
            st.executeUpdate("INSERT INTO purchase_orders (customer_id, amount_cents, status) VALUES (3, 4200, 'open')");
            st.executeUpdate("UPDATE customers SET id = 90000 WHERE full_name = 'On v2 0'"); // a key update
            st.executeUpdate("DELETE FROM customers WHERE full_name = 'On v2 1'");
            st.executeUpdate("INSERT INTO sessions (token) VALUES ('made-on-v2')");
        }

        // A writer through the ingress for the whole rollback: every request answered, each row lands once.
        Map<Long, String> answeredBy = new ConcurrentHashMap<>();
        List<String> failures = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger n = new AtomicInteger();
        Thread writer = new Thread(() -> {
            while (!stop.get()) {
                int i = n.incrementAndGet();
                try {
                    HttpResponse<String> r = qs.post("/api/customers", "{\"name\":\"Writer " + i + "\",\"email\":\"w" + i + "@rollback.test\"}");
                    if (r.statusCode() != 201) {
                        synchronized (failures) {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } else {
                        answeredBy.put(Quickstart.JSON.readTree(r.body()).get("id").asLong(), r.headers().firstValue("X-Universe").orElse("?"));
                    }
                    Thread.sleep(15);
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e.toString());
                    }
                }
            }
        });
        writer.start();
        Thread.sleep(500);
        Cli.Result r = qs.imago("rollback", "shop-v2", "--yes");
        Thread.sleep(500);
        stop.set(true);
        writer.join();
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("shop-v1 is live again"), r.out());
        assertEquals(List.of(), failures, "requests failed during the rollback");
        assertTrue(answeredBy.containsValue("shop-v2") && answeredBy.containsValue("shop-v1"), "the writer saw both sides: " + answeredBy);

        HttpResponse<String> get = qs.get("/api/customers/3");
        assertEquals("shop-v1", get.headers().firstValue("X-Universe").orElse(""));
        assertEquals("LIVE", qs.universe("shop-v1").get("phase").asText());
        assertEquals("ROLLED_BACK", qs.universe("shop-v2").get("phase").asText());

        try (Connection v1 = qs.db("shop-v1"); Connection v2 = qs.db("shop-v2")) {
            Map<Long, String> v2Customers = Rows.byKey(v2, "SELECT id, full_name || '|' || email FROM customers");
            Map<Long, String> v1Customers = Rows.byKey(v1, "SELECT id, name || '|' || email FROM customers");
            Map<Long, String> expected = new TreeMap<>(v2Customers);
            answeredBy.forEach((id, by) -> {
                if (by.equals("shop-v1")) {
                    expected.put(id, v1Customers.get(id)); // written on v1 after the flip
                } else {
                    assertTrue(v2Customers.containsKey(id), "a row v2 acknowledged is in v2: " + id);
                }
            });
            assertEquals(expected, v1Customers, "v1 holds exactly v2's customers, converted back, plus those written after the flip");
            assertEquals(Rows.byKey(v2, "SELECT id, customer_id || '|' || amount_cents || '|' || status FROM purchase_orders"),
                    Rows.byKey(v1, "SELECT id, customer_id || '|' || amount_cents || '|' || status FROM orders"));
            assertEquals(Rows.byKey(v2, "SELECT id, token FROM sessions"), Rows.byKey(v1, "SELECT id, token FROM sessions"));
            assertTrue(v1Customers.containsKey(90000L) && !v1Customers.values().stream().anyMatch(v -> v.startsWith("On v2 1|")));
            assertEquals(0, Rows.count(v1, "SELECT count(*) FROM customers WHERE legacy_flag IS NULL"), "a dropped column takes its default");
            assertEquals(0, Rows.count(v2, "SELECT count(*) FROM pg_replication_slots"), "the way back's slot is dropped");
        }
        HttpResponse<String> after = qs.post("/api/customers", "{\"name\":\"After\",\"email\":\"after@rollback.test\"}");
        assertEquals(201, after.statusCode(), "v1 takes writes again: " + after.body());
        assertTrue(Quickstart.JSON.readTree(after.body()).get("id").asLong() > 90000, "v1's sequence moved past v2's keys: " + after.body());

        // Like an apply of a live universe, a rollback that is done is done: a re-run (after a kill that came once all
        // was recorded, or by hand) changes nothing and says so.
        Cli.Result again = qs.imago("rollback", "shop-v2", "--yes");
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().contains("shop-v2 was already rolled back: shop-v1 is live"), again.out());
        assertEquals("shop-v1", qs.get("/health").headers().firstValue("X-Universe").orElse(""));
    }

    @Test
    void aRollbackKilledInItsPauseLeavesV2LiveAndResumes() throws Exception {
        qs = new Quickstart(tmp);
        invertibleV2();
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString(), qs.v2().toString()).code());
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"Before kill\",\"email\":\"k1@rollback.test\"}").statusCode());

        Cli.Result killed = Cli.run(qs.dir, Map.of("IMAGO_FAULT", "kill:ROLLBACK:drained"), "rollback", "shop-v2", "--yes");
        assertEquals(137, killed.code(), killed.toString());
        assertEquals("shop-v2", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""), "v2 still serves");
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"After kill\",\"email\":\"k2@rollback.test\"}").statusCode(),
                "v2's fence died with the killed run");

        Cli.Result resumed = qs.imago("rollback", "shop-v2", "--yes");
        assertEquals(0, resumed.code(), resumed.toString());
        assertEquals("shop-v1", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""));
        try (Connection v1 = qs.db("shop-v1"); Connection v2 = qs.db("shop-v2")) {
            assertEquals(Rows.byKey(v2, "SELECT id, full_name || '|' || email FROM customers"), Rows.byKey(v1, "SELECT id, name || '|' || email FROM customers"),
                    "every write on v2, before and after the kill, is in v1 once");
        }
    }

    /** An apply killed between the flip and its record (found by the kill campaign): the way back must survive it. */
    @Test
    void anApplyKilledBetweenTheFlipAndItsRecordKeepsTheWayBack() throws Exception {
        qs = new Quickstart(tmp);
        invertibleV2();
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Cli.Result killed = Cli.run(qs.dir, Map.of("IMAGO_FAULT", "kill:SWITCHOVER:flipping"), "apply", "--yes", qs.v2().toString());
        assertEquals(137, killed.code(), killed.toString());
        assertEquals("shop-v2", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""), "the flip happened");
        assertEquals(0, qs.imago("apply", "--yes", qs.v2().toString()).code());
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"On v2\",\"email\":\"flip@rollback.test\"}").statusCode());

        Cli.Result back = qs.imago("rollback", "shop-v2", "--yes");
        assertEquals(0, back.code(), "no write is lost, so no --accept-loss is needed: " + back);
        try (Connection v1 = qs.db("shop-v1"); Connection v2 = qs.db("shop-v2")) {
            assertEquals(Rows.byKey(v2, "SELECT id, full_name || '|' || email FROM customers"), Rows.byKey(v1, "SELECT id, name || '|' || email FROM customers"));
        }
    }

    @Test
    void aNonInvertibleMigrationIsRefusedWithoutAcceptLoss() throws Exception {
        qs = new Quickstart(tmp);
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("keepOld: 0", "keepOld: 10m")); // sessions stay skipped
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        JsonNode plan = Quickstart.JSON.readTree(qs.imago("plan", "--output", "json", qs.v2().toString()).out());
        assertEquals("sessions", plan.get("rollback").get("notInvertible").get(0).get("table").asText(), plan.toString());
        assertTrue(qs.imago("plan", qs.v2().toString()).out().contains("needs --accept-loss"));
        assertEquals(0, qs.imago("apply", "--yes", qs.v2().toString()).code());
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"On v2\",\"email\":\"v2@rollback.test\"}").statusCode());

        Cli.Result refused = qs.imago("rollback", "shop-v2", "--yes");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.err().contains("would lose the writes made on shop-v2 to 1 table") && refused.err().contains("sessions"), refused.err());
        assertTrue(refused.err().contains("--accept-loss"), refused.err());
        assertEquals("shop-v2", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""), "nothing changed");
        assertEquals("LIVE", qs.universe("shop-v2").get("phase").asText());
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"Still v2\",\"email\":\"v2b@rollback.test\"}").statusCode());

        Cli.Result accepted = qs.imago("rollback", "shop-v2", "--yes", "--accept-loss", "--output", "json");
        assertEquals(0, accepted.code(), accepted.toString());
        JsonNode out = Quickstart.JSON.readTree(accepted.out());
        assertEquals("shop-v1", out.get("live").asText());
        assertTrue(out.get("lostWrites").has("sessions"), out.toString());
        assertEquals("shop-v1", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""));
        try (Connection v1 = qs.db("shop-v1")) {
            assertEquals(2, Rows.count(v1, "SELECT count(*) FROM customers WHERE email LIKE 'v2%@rollback.test'"), "the invertible tables still ship back");
        }
    }

    @Test
    void retirementAfterTheWindowLeavesNothingRunning() throws Exception {
        qs = new Quickstart(tmp);
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("keepOld: 0", "keepOld: 8s"));
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString(), qs.v2().toString()).code());
        JsonNode v1 = qs.universe("shop-v1");
        assertEquals("RETIRING", v1.get("phase").asText());
        List<Long> pids = new ArrayList<>();
        for (JsonNode res : v1.get("resources")) {
            if (res.hasNonNull("pid") && !res.get("kind").asText().equals("ingress")) {
                pids.add(res.get("pid").asLong());
            }
        }
        assertFalse(pids.isEmpty());
        try (Connection v2 = qs.db("shop-v2")) {
            assertEquals(1, Rows.count(v2, "SELECT count(*) FROM pg_replication_slots"), "the window keeps the way back");
        }
        long wait = java.time.Duration.between(java.time.Instant.now(), java.time.Instant.parse(v1.get("facts").get("retireAfter").asText())).toMillis();
        Thread.sleep(Math.max(0, wait) + 500);

        JsonNode status = qs.status(); // any later command retires it
        for (JsonNode u : status.get("universes")) {
            assertNotEquals("shop-v1", u.get("name").asText(), "shop-v1 retired: " + status);
        }
        for (long pid : pids) {
            assertFalse(Leaks.running(pid), "process " + pid + " of shop-v1 still runs");
        }
        assertFalse(Files.exists(qs.dir.resolve(".imago/universes/shop-v1.json")));
        try (Connection v2 = qs.db("shop-v2")) {
            assertEquals(0, Rows.count(v2, "SELECT count(*) FROM pg_replication_slots"), "the way back's slot is dropped with the window");
        }
        Cli.Result late = qs.imago("rollback", "shop-v2", "--yes");
        assertEquals(1, late.code(), late.toString());
        assertTrue(late.err().contains("rollback window of shop-v2 has ended"), late.err());
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"After\",\"email\":\"after@rollback.test\"}").statusCode());
    }
}
