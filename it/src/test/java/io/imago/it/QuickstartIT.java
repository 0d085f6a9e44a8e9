package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.imago.providers.local.FreePorts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quickstart, end to end: real PostgreSQL servers, real app processes, real HTTP through the ingress. */
class QuickstartIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        if (qs != null) {
            for (String u : List.of("shop-v2", "shop-v1")) {
                qs.imago("destroy", u, "--yes");
            }
            assertEquals(List.of(), Leaks.processesUnder(tmp), "processes left behind");
        }
    }

    @Test
    void upgradeConvertsEveryRowServesV2OnTheSamePortAndTearsV1Down() throws Exception {
        qs = new Quickstart(tmp);
        Cli.Result v1 = qs.imago("apply", "--yes", qs.v1().toString());
        assertEquals(0, v1.code(), v1.toString());
        HttpResponse<String> before = qs.get("/api/customers/1");
        assertEquals(200, before.statusCode());
        assertEquals("shop-v1", before.headers().firstValue("X-Universe").orElse(""));

        Map<Integer, List<String>> customers = new TreeMap<>();
        Map<Integer, List<String>> orders = new TreeMap<>();
        JsonNode v1Status = qs.universe("shop-v1");
        List<Long> v1Pids = new ArrayList<>();
        v1Status.get("resources").forEach(r -> {
            if (r.get("kind").asText().equals("instance")) {
                v1Pids.add(r.get("pid").asLong());
            }
        });
        int v1DbPort = java.net.URI.create(v1Status.get("database").get("url").asText()).getPort();
        try (Connection c = qs.db("shop-v1"); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT id, name, email FROM customers");
            while (rs.next()) {
                String email = rs.getString(3);
                customers.put(rs.getInt(1), List.of(rs.getString(2), email, email.substring(email.indexOf('@') + 1)));
            }
            rs = s.executeQuery("SELECT id, customer_id, amount_cents, status FROM orders");
            while (rs.next()) {
                orders.put(rs.getInt(1), List.of(rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        assertFalse(customers.isEmpty());
        assertFalse(orders.isEmpty());

        Cli.Result v2 = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(0, v2.code(), v2.toString());
        assertTrue(v2.out().matches("(?s).*shop-v2 is live.*writes were paused \\d+ ms.*"), v2.toString());

        Map<Integer, List<String>> converted = new TreeMap<>();
        Map<Integer, List<String>> shipped = new TreeMap<>();
        try (Connection c = qs.db("shop-v2"); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT id, full_name, email, email_domain FROM customers");
            while (rs.next()) {
                converted.put(rs.getInt(1), List.of(rs.getString(2), rs.getString(3), rs.getString(4)));
            }
            rs = s.executeQuery("SELECT id, customer_id, amount_cents, status FROM purchase_orders");
            while (rs.next()) {
                shipped.put(rs.getInt(1), List.of(rs.getString(2), rs.getString(3), rs.getString(4)));
            }
            rs = s.executeQuery("SELECT count(*) FROM sessions");
            rs.next();
            assertEquals(0, rs.getInt(1), "sessions are skipped by the migration");
            // the sequence was carried over: a new customer does not collide with a copied one
            rs = s.executeQuery("SELECT nextval('customers_id_seq')");
            rs.next();
            assertTrue(rs.getLong(1) > customers.keySet().stream().mapToInt(Integer::intValue).max().orElse(0));
        }
        assertEquals(customers, converted, "customers converted row by row");
        assertEquals(orders, shipped, "orders renamed to purchase_orders, every row");

        HttpResponse<String> after = qs.get("/api/customers/1");
        assertEquals(200, after.statusCode());
        assertEquals("shop-v2", after.headers().firstValue("X-Universe").orElse(""));
        assertTrue(after.body().contains("email_domain"), after.body());

        assertNoSecretIn(v2, "shop-v2");
        assertNull(qs.universe("shop-v1"), "v1 is torn down (keepOld: 0)");
        for (long pid : v1Pids) {
            assertFalse(Leaks.running(pid), "v1 instance " + pid + " still runs");
        }
        assertTrue(FreePorts.bindable(v1DbPort), "v1's database still listens on " + v1DbPort);
    }

    /** Passwords live in the provider's secret store only: not in output, state files or status. */
    private void assertNoSecretIn(Cli.Result output, String universe) throws Exception {
        JsonNode secrets = Quickstart.JSON.readTree(tmp.resolve(".imago/providers/local/_secrets/" + universe + ".json").toFile());
        List<String> passwords = new ArrayList<>();
        secrets.forEach(n -> passwords.add(n.asText()));
        assertFalse(passwords.isEmpty());
        List<Path> stateFiles;
        try (var walk = java.nio.file.Files.walk(tmp.resolve(".imago"))) {
            stateFiles = walk.filter(java.nio.file.Files::isRegularFile)
                    .filter(f -> !f.toString().contains("_secrets") && !f.toString().contains("admin-token"))
                    .filter(f -> !f.toString().contains("/postgres/")).toList();
        }
        String status = qs.imago("status", "--output", "json").out();
        for (String pw : passwords) {
            assertFalse(output.out().contains(pw) || output.err().contains(pw), "a password in apply's output");
            assertFalse(status.contains(pw), "a password in status");
            for (Path f : stateFiles) {
                assertFalse(java.nio.file.Files.readString(f).contains(pw), "a password in " + f);
            }
        }
    }

    @Test
    void writesDuringTheUpgradeAreNeitherLostNorDoubled() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 100_000 && !stop.get(); i++) {
                String email = "writer" + i + "@load.test";
                try {
                    HttpResponse<String> r = qs.post("/api/customers", "{\"name\":\"Writer " + i + "\",\"email\":\"" + email + "\"}");
                    if (r.statusCode() / 100 == 2) {
                        acknowledged.add(email);
                    } else {
                        failed.incrementAndGet();
                    }
                    Thread.sleep(20);
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }
        });
        writer.start();
        Thread.sleep(1500);
        Cli.Result v2 = qs.imago("apply", "--yes", qs.v2().toString());
        Thread.sleep(1000);
        stop.set(true);
        writer.join(60_000);
        assertEquals(0, v2.code(), v2.toString());
        assertTrue(acknowledged.size() > 20, "the writer made progress: " + acknowledged.size());

        Map<String, Integer> inV2 = new TreeMap<>();
        try (Connection c = qs.db("shop-v2"); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT email, count(*) FROM customers WHERE email LIKE 'writer%' GROUP BY email");
            while (rs.next()) {
                inV2.put(rs.getString(1), rs.getInt(2));
            }
        }
        for (String email : acknowledged) {
            assertEquals(1, inV2.getOrDefault(email, 0), "acknowledged write " + email + " must be in v2 exactly once");
        }
        // a row nobody acknowledged can only be a request whose answer was lost after its commit
        assertTrue(inV2.size() <= acknowledged.size() + failed.get(), "rows in v2 that no request wrote");
        inV2.values().forEach(n -> assertEquals(1, n, "a write doubled"));
    }
}
