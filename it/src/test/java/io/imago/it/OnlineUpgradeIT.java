package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online data plane under a writer that bypasses the ingress: inserts, updates, deletes and key
 * updates straight to v1's database, as the application's role, for the whole upgrade. Afterwards v1
 * (fenced, kept by the rollback window) and v2 must hold the same rows, converted: every change v1
 * committed before the fence is in v2 exactly once, and nothing else is. Also with imago killed -9
 * during CATCH_UP and run again.
 */
class OnlineUpgradeIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        qs.destroyAllAndCheckNothingLeft();
    }

    @Test
    void aMixedWriterLosesAndDoublesNothing() throws Exception {
        upgradeUnderLoad(false);
    }

    @Test
    void killedDuringCatchUpAndRunAgainLosesAndDoublesNothing() throws Exception {
        upgradeUnderLoad(true);
    }

    private void upgradeUnderLoad(boolean killDuringCatchUp) throws Exception {
        qs = new Quickstart(tmp);
        // keep v1 after the switch, so its final state can be compared with v2's
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("keepOld: 0", "keepOld: 10m"));
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());

        MixedWriter writer = new MixedWriter(qs.appDb("shop-v1"));
        Thread t = new Thread(writer, "mixed-writer");
        t.start();
        Thread.sleep(1000);
        if (killDuringCatchUp) {
            killDuring("==> CATCH_UP");
            Thread.sleep(1000);
        }
        Cli.Result r = qs.imago("apply", "--yes", qs.v2().toString());
        Thread.sleep(500);
        writer.stop.set(true);
        t.join(30_000);
        assertEquals(0, r.code(), r.toString());
        assertNull(writer.unexpected, "the writer failed before the fence: " + writer.unexpected);
        assertTrue(writer.committed.get() > 200, "the writer made progress: " + writer.committed.get());
        assertTrue(writer.fenced, "the writer was stopped by the fence at v1's database");

        try (Connection v1 = qs.db("shop-v1"); Connection v2 = qs.db("shop-v2")) {
            assertTrue(Rows.byKey(v1, "SELECT id, name FROM customers").keySet().stream().anyMatch(id -> id >= MixedWriter.MOVED),
                    "key updates happened");
            assertEquals(Rows.byKey(v1, "SELECT id, name || '|' || email FROM customers"), Rows.byKey(v2, "SELECT id, full_name || '|' || email FROM customers"));
            assertEquals(0, Rows.count(v2, "SELECT count(*) FROM customers WHERE email_domain IS DISTINCT FROM split_part(email, '@', 2)"));
            assertEquals(Rows.byKey(v1, "SELECT id, customer_id || '|' || amount_cents || '|' || status FROM orders"),
                    Rows.byKey(v2, "SELECT id, customer_id || '|' || amount_cents || '|' || status FROM purchase_orders"));
        }
        assertEquals(201, qs.post("/api/customers", "{\"name\":\"After\",\"email\":\"after@online.test\"}").statusCode(),
                "v2's sequences were carried past the shipped keys");
    }

    /** Starts `imago apply` of v2 and kills it -9 once it prints that line, a little after. */
    private void killDuring(String line) throws Exception {
        Path err = Files.createTempFile(qs.dir, "err", ".txt");
        Process p = Cli.builder(qs.dir, Map.of(), "apply", "--yes", qs.v2().toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(err).contains(line)) {
            assertTrue(p.isAlive(), "apply ended before " + line + ": " + Files.readString(err));
            assertTrue(System.nanoTime() < deadline, "no " + line + " within 3 min");
            Thread.sleep(20);
        }
        Thread.sleep(150);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.readString(err).contains("==> SWITCHOVER"), "killed too late to matter: " + Files.readString(err));
    }

    /**
     * Writes to v1 as the application does, one change per transaction, until stopped or fenced. Only
     * customers it inserted (and that have no orders) are deleted or have their key moved, so foreign
     * keys never refuse a change.
     */
    static final class MixedWriter implements Runnable {
        static final long MOVED = 1_000_000;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong committed = new AtomicLong();
        volatile boolean fenced;
        volatile String unexpected;
        private final Connection c;
        private final Random random = new Random(42);
        private final List<Long> ownCustomers = new ArrayList<>();

        MixedWriter(Connection c) {
            this.c = c;
        }

        @Override
        public void run() {
            try (c) {
                int i = 0;
                while (!stop.get()) {
                    try {
                        change(i++);
                        committed.incrementAndGet();
                    } catch (SQLException e) {
                        // 42501: privileges revoked; 25006: a read-only session: the fence, for good
                        if ("42501".equals(e.getSQLState()) || "25006".equals(e.getSQLState())) {
                            fenced = true;
                            return;
                        }
                        unexpected = e.getSQLState() + " " + e.getMessage();
                        return;
                    }
                    Thread.sleep(4);
                }
            } catch (SQLException | InterruptedException e) {
                unexpected = e.toString();
            }
        }

        private void change(int i) throws SQLException {
            int kind = random.nextInt(100);
            if (kind < 30 || ownCustomers.size() < 5) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (name, email) VALUES (?, ?) RETURNING id")) {
                    ps.setString(1, "Mixed " + i);
                    ps.setString(2, "mixed" + i + "@online.test");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        ownCustomers.add(rs.getLong(1));
                    }
                }
            } else if (kind < 50) {
                exec("UPDATE customers SET name = name || '+' WHERE id = " + (1 + random.nextInt(50)));
            } else if (kind < 60) {
                exec("DELETE FROM customers WHERE id = " + ownCustomers.remove(random.nextInt(ownCustomers.size())));
            } else if (kind < 70) {
                long id = ownCustomers.remove(random.nextInt(ownCustomers.size()));
                if (id < MOVED) {
                    exec("UPDATE customers SET id = " + (id + MOVED) + " WHERE id = " + id);
                    ownCustomers.add(id + MOVED);
                }
            } else if (kind < 80) {
                exec("INSERT INTO orders (customer_id, amount_cents, status) VALUES (" + (1 + random.nextInt(50)) + ", " + random.nextInt(10_000) + ", 'open')");
            } else if (kind < 95) {
                exec("UPDATE orders SET status = '" + (random.nextBoolean() ? "shipped" : "void") + "', amount_cents = amount_cents + 1 WHERE id = "
                        + (1 + random.nextInt(200)));
            } else {
                exec("DELETE FROM orders WHERE id = " + (1 + random.nextInt(200)));
            }
        }

        private void exec(String sql) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.executeUpdate(sql);
            }
        }
    }
}
