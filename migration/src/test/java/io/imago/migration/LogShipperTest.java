package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LogShipperTest {

    private static final TableTransform CLIENTS = TableTransform.of("customers").renameTo("clients")
            .renameColumn("name", "full_name").addColumn("email_domain", "split_part(email, '@', 2)")
            .dropColumn("legacy_flag").withWhere("status <> 'void'");
    private static final TableTransform LINES = TableTransform.of("line_items").renameTo("order_lines").withWhere("qty > 0");
    private static final TableTransform AUDIT = TableTransform.of("audit_log").withReplicaIdentityFull();
    private static final TableTransform SESSIONS = TableTransform.of("sessions").skipped();

    private static PgServers.Pair shop(String name) {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(),
                "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email varchar(100), legacy_flag boolean, "
                        + "status text NOT NULL, balance numeric(12,2), tags text[])",
                "INSERT INTO customers (name, email, legacy_flag, status, balance, tags) SELECT 'c' || g, "
                        + "CASE WHEN g % 7 = 0 THEN NULL ELSE 'c' || g || '@d' || (g % 5) || '.example' END, g % 2 = 0, "
                        + "CASE WHEN g % 4 = 0 THEN 'void' ELSE 'active' END, g * 1.25, ARRAY['t' || (g % 3)] FROM generate_series(1, 60) g",
                "CREATE TABLE audit_log (at timestamptz, what text, n int)",
                "INSERT INTO audit_log SELECT '2024-01-01'::timestamptz + (g % 3) * interval '1 day', 'w' || (g % 4), g % 3 "
                        + "FROM generate_series(1, 40) g", // plenty of identical rows
                "CREATE TABLE line_items (order_id int, line int, qty int, note text, PRIMARY KEY (order_id, line))",
                "INSERT INTO line_items SELECT g / 10, g % 10, g % 4, 'n' || g FROM generate_series(10, 209) g",
                "CREATE TABLE sessions (id int PRIMARY KEY, token text)",
                "INSERT INTO sessions SELECT g, 'tok' || g FROM generate_series(1, 10) g");
        Db.exec(p.target(),
                "CREATE TABLE clients (id serial PRIMARY KEY, full_name text NOT NULL, email varchar(100), email_domain text, "
                        + "status text NOT NULL, balance numeric(12,2), tags text[], created_at timestamptz NOT NULL DEFAULT now())",
                "CREATE TABLE audit_log (at timestamptz, what text, n bigint)", // int becomes bigint: converted, not verbatim
                "CREATE TABLE order_lines (order_id int, line int, qty int, note text, PRIMARY KEY (order_id, line))",
                "CREATE TABLE sessions (id int PRIMARY KEY, token text)",
                "INSERT INTO sessions VALUES (999, 'target-only')");
        return p;
    }

    private static void assertShopConverted(PgServers.Pair p) {
        assertEquals(Db.rows(p.source(), "SELECT id, name, email, split_part(email, '@', 2), status, balance, tags FROM customers "
                        + "WHERE status <> 'void' ORDER BY id"),
                Db.rows(p.target(), "SELECT id, full_name, email, email_domain, status, balance, tags FROM clients ORDER BY id"));
        assertEquals(Db.rows(p.source(), "SELECT at, what, n FROM audit_log ORDER BY 1, 2, 3"),
                Db.rows(p.target(), "SELECT at, what, n FROM audit_log ORDER BY 1, 2, 3"));
        assertEquals(Db.rows(p.source(), "SELECT * FROM line_items WHERE qty > 0 ORDER BY 1, 2"),
                Db.rows(p.target(), "SELECT * FROM order_lines ORDER BY 1, 2"));
        assertEquals(List.of("999|target-only"), Db.rows(p.target(), "SELECT * FROM sessions"));
    }

    /** One random source transaction of 1 to 4 statements over every table. */
    private static void randomTransaction(Connection c, Random r) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            int statements = 1 + r.nextInt(4);
            for (int i = 0; i < statements; i++) {
                int id = 1 + r.nextInt(80);
                String what = "'w" + r.nextInt(5) + "'";
                int order = 1 + r.nextInt(22);
                int line = r.nextInt(12);
                String sql = switch (r.nextInt(16)) {
                    case 0 -> "INSERT INTO customers (name, email, status, balance) VALUES ('new" + r.nextInt(1000) + "', 'x" + r.nextInt(9)
                            + "@n" + r.nextInt(3) + ".example', '" + (r.nextBoolean() ? "void" : "active") + "', " + r.nextInt(100) + ")";
                    case 1 -> "UPDATE customers SET name = name || '+' WHERE id = " + id;
                    case 2 -> "UPDATE customers SET status = CASE status WHEN 'void' THEN 'active' ELSE 'void' END WHERE id = " + id;
                    case 3 -> "UPDATE customers SET email = 'moved" + r.nextInt(9) + "@elsewhere.example' WHERE id = " + id;
                    case 4 -> "UPDATE customers SET id = nextval('customers_id_seq') WHERE id = " + id; // the key changes
                    case 5 -> "DELETE FROM customers WHERE id = " + id;
                    case 6 -> "UPDATE customers SET balance = balance + 1, legacy_flag = NOT coalesce(legacy_flag, false) WHERE id % 9 = "
                            + r.nextInt(9);
                    case 7 -> "INSERT INTO audit_log VALUES ('2024-01-0" + (1 + r.nextInt(3)) + "', " + what + ", " + r.nextInt(3) + ")";
                    case 8 -> "UPDATE audit_log SET n = n + 1 WHERE ctid = (SELECT ctid FROM audit_log WHERE what = " + what + " LIMIT 1)";
                    case 9 -> "DELETE FROM audit_log WHERE ctid = (SELECT ctid FROM audit_log WHERE what = " + what + " LIMIT 1)";
                    case 10 -> "UPDATE audit_log SET at = at + interval '1 hour' WHERE what = " + what + " AND n = " + r.nextInt(3);
                    case 11 -> "UPDATE line_items SET qty = " + r.nextInt(3) + " WHERE order_id = " + order + " AND line = " + line;
                    case 12 -> "UPDATE line_items SET line = line + 100 WHERE order_id = " + order + " AND line = " + line;
                    case 13 -> "INSERT INTO line_items VALUES (" + order + ", " + (200 + r.nextInt(100000)) + ", " + r.nextInt(3)
                            + ", 'ins') ON CONFLICT DO NOTHING";
                    case 14 -> "DELETE FROM line_items WHERE order_id = " + order + " AND line = " + line;
                    default -> "UPDATE sessions SET token = token || '!' WHERE id = " + (1 + r.nextInt(10));
                };
                st.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    @Test
    void shipsEveryKindOfChangeThroughTheTransforms() throws Exception {
        PgServers.Pair p = shop("ship_all");
        List<TableMigration> plan = Db.plan(p, null, List.of(CLIENTS, LINES, AUDIT, SESSIONS));
        SnapshotResult snap = Shipping.copy(p, "ship_all", plan);
        assertShopConverted(p);
        Random r = new Random(42);
        try (Connection c = p.source().connect()) {
            // Changes made before the shipper starts are caught up from the slot.
            for (int i = 0; i < 150; i++) {
                randomTransaction(c, r);
            }
        }
        LogShipper shipper = Shipping.start(p, "ship_all", plan, snap.consistentPoint());
        try {
            AtomicReference<Throwable> writerFailed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                Random wr = new Random(7);
                try (Connection c = p.source().connect()) {
                    for (int i = 0; i < 500; i++) {
                        randomTransaction(c, wr);
                    }
                } catch (Throwable e) {
                    writerFailed.set(e);
                }
            });
            writer.start();
            writer.join(60_000);
            assertEquals(null, writerFailed.get());
            Shipping.drain(shipper, p.source());
            assertShopConverted(p);
            LogShipper.Lag lag = shipper.lag();
            assertTrue(!lag.applied().isBefore(snap.consistentPoint()), lag.toString());
            Optional<Lsn> recorded = LogShipper.appliedPosition(p.target(), "ship_all");
            assertTrue(recorded.isPresent() && snap.consistentPoint().isBefore(recorded.get()), recorded.toString());
            assertTrue(shipper.transactionsApplied() > 300, "transactions applied: " + shipper.transactionsApplied());

            // A truncation empties the target table; the tables left alone stay as they are.
            Db.exec(p.source(), "TRUNCATE line_items");
            Shipping.drain(shipper, p.source());
            assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM order_lines"));
            assertShopConverted(p);
        } finally {
            shipper.stop();
        }
    }

    /** Changes to a table the shipper was not given (published by another plan, say) are ignored, not failed on. */
    @Test
    void ignoresTablesOutsideThePlan() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_ignore");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE a (id int PRIMARY KEY, v text)", "CREATE TABLE b (id int PRIMARY KEY, v text)");
        }
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult snap = Shipping.copy(p, "ship_ignore", plan);
        LogShipper shipper = Shipping.start(p, "ship_ignore", plan.stream().filter(m -> m.sourceTable().equals("a")).toList(),
                snap.consistentPoint());
        try {
            Db.exec(p.source(), "INSERT INTO a VALUES (1, 'x')", "INSERT INTO b VALUES (1, 'y')", "UPDATE b SET v = 'z'",
                    "BEGIN", "INSERT INTO a VALUES (2, 'x')", "DELETE FROM b", "COMMIT");
            Shipping.drain(shipper, p.source());
            assertEquals(List.of("1|x", "2|x"), Db.rows(p.target(), "SELECT * FROM a ORDER BY id"));
            assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM b"));
        } finally {
            shipper.stop();
        }
    }

    /**
     * An unchanged TOASTed value is not sent with an update: the new row keeps the old value, whether the
     * target holds the row (read back from it), does not (the row enters the filter: read from the source),
     * or the column is converted (read from the source); and for a table without key, from the old row.
     */
    @Test
    void keepsUnchangedToastedValues() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_toast");
        String big = "(SELECT string_agg(md5(random()::text || g), '') FROM generate_series(1, 200) g)"; // 6400 chars, incompressible
        Db.exec(p.source(),
                "CREATE TABLE docs (id int PRIMARY KEY, title text, body text, status text, extra text)",
                "INSERT INTO docs VALUES (1, 't1', " + big + ", 'shown', 'small'), (2, 't2', " + big + ", 'hidden', null), "
                        + "(3, 't3', 'small', 'shown', " + big + "), (4, 't4', " + big + ", 'shown', null), (5, 't5', " + big + ", 'hidden', null)",
                "CREATE TABLE notes (txt text, body text)",
                "INSERT INTO notes VALUES ('n1', " + big + "), ('n1', " + big + ")");
        Db.exec(p.target(),
                "CREATE TABLE docs2 (id int PRIMARY KEY, headline text, body text, body_len int, status text, extra varchar(20000))",
                "CREATE TABLE notes (txt text, body text)");
        assertTrue(Db.count(p.source(), "SELECT count(*) FROM docs WHERE pg_column_size(body) > 2000 OR pg_column_size(extra) > 2000") == 5);
        assertTrue(Db.count(p.source(), "SELECT count(*) FROM " + Db.rows(p.source(),
                "SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'docs'").get(0)) > 0, "stored out of line");
        List<TableMigration> plan = Db.plan(p, null, List.of(
                TableTransform.of("docs").renameTo("docs2").renameColumn("title", "headline").addColumn("body_len", "length(body)")
                        .withWhere("status <> 'hidden'"),
                TableTransform.of("notes").withReplicaIdentityFull()));
        SnapshotResult snap = Shipping.copy(p, "ship_toast", plan);
        String expected = "SELECT id, title, md5(body), length(body), status, md5(extra) FROM docs WHERE status <> 'hidden' ORDER BY id";
        String actual = "SELECT id, headline, md5(body), body_len, status, md5(extra) FROM docs2 ORDER BY id";
        assertEquals(Db.rows(p.source(), expected), Db.rows(p.target(), actual));

        // Row 5 enters the filter, then is deleted before the shipper runs: reading the source finds nothing.
        Db.exec(p.source(), "UPDATE docs SET status = 'shown' WHERE id = 5", "DELETE FROM docs WHERE id = 5");
        LogShipper shipper = Shipping.start(p, "ship_toast", plan, snap.consistentPoint());
        try {
            Db.exec(p.source(),
                    "UPDATE docs SET title = 't1b' WHERE id = 1",       // body unchanged; the target has the row
                    "UPDATE docs SET status = 'shown' WHERE id = 2",    // enters the filter: the target lacks the row
                    "UPDATE docs SET title = 't3b' WHERE id = 3",       // extra unchanged, converted to varchar: not verbatim
                    "UPDATE docs SET id = 11 WHERE id = 1",             // the key changes, body unchanged
                    "BEGIN", "UPDATE docs SET title = 't4b' WHERE id = 4", "UPDATE docs SET status = 'x' WHERE id = 4", "COMMIT",
                    "UPDATE docs SET status = 'hidden' WHERE id = 11",  // leaves the filter
                    "UPDATE docs SET status = 'shown' WHERE id = 11",   // and comes back
                    "UPDATE notes SET txt = 'n2' WHERE ctid = (SELECT ctid FROM notes LIMIT 1)");
            Shipping.drain(shipper, p.source());
            assertEquals(Db.rows(p.source(), expected), Db.rows(p.target(), actual));
            assertEquals(4, Db.count(p.target(), "SELECT count(*) FROM docs2 WHERE length(body) = 6400 OR length(extra) = 6400"));
            assertEquals(Db.rows(p.source(), "SELECT txt, md5(body) FROM notes ORDER BY 1, 2"),
                    Db.rows(p.target(), "SELECT txt, md5(body) FROM notes ORDER BY 1, 2"));
            assertTrue(shipper.toastSourceLookups() >= 3, "source look-ups: " + shipper.toastSourceLookups());
        } finally {
            shipper.stop();
        }
    }

    /**
     * With nothing more committed to the migrated tables, the applied commit position stays below a fence
     * taken later: the drain completes on the server's word that it has decoded past the fence.
     */
    @Test
    void drainsToAFenceBeyondTheLastShippedCommit() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_drain");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        }
        Db.exec(p.source(), "CREATE TABLE unpublished (x int)");
        List<TableMigration> plan = Db.plan(p, List.of("t"), List.of());
        SnapshotResult snap = Shipping.copy(p, "ship_drain", plan);
        LogShipper shipper = Shipping.start(p, "ship_drain", plan, snap.consistentPoint());
        try {
            Db.exec(p.source(), "INSERT INTO t VALUES (1, 1)");
            Shipping.drain(shipper, p.source());
            Lsn recorded = LogShipper.appliedPosition(p.target(), "ship_drain").orElseThrow();

            // Writes the slot does not publish, and nothing else: still drains, the recorded position stays.
            Db.exec(p.source(), "INSERT INTO unpublished SELECT generate_series(1, 100)");
            Lsn fence = Shipping.fence(p.source());
            long t0 = System.nanoTime();
            assertTrue(shipper.drainTo(fence, Duration.ofSeconds(20)));
            System.out.printf("drain past an idle log took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertEquals(recorded, LogShipper.appliedPosition(p.target(), "ship_drain").orElseThrow());
            assertTrue(recorded.isBefore(fence));
            assertTrue(!shipper.lag().applied().isBefore(fence));

            // A change committed just before the fence is on the target when the drain returns.
            Db.exec(p.source(), "INSERT INTO t VALUES (2, 2)");
            assertTrue(shipper.drainTo(Shipping.fence(p.source()), Duration.ofSeconds(20)));
            assertEquals(List.of("1|1", "2|2"), Db.rows(p.target(), "SELECT * FROM t ORDER BY id"));

            // A position the source has not reached: not drained, within the timeout.
            Lsn future = new Lsn(Shipping.fence(p.source()).value() + (64L << 20));
            t0 = System.nanoTime();
            assertFalse(shipper.drainTo(future, Duration.ofMillis(500)));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);

            // Caught up: the lag is small and settles at zero.
            assertTrue(shipper.awaitLagBelow(0, Duration.ZERO, Duration.ofSeconds(20), lag -> { }), shipper.lag().toString());

            // The source keeps writing, but only to a table that is not migrated, long after the last
            // migrated change: the target is not behind, and the lag says so.
            AtomicBoolean stopWriting = new AtomicBoolean();
            Thread busy = new Thread(() -> {
                try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
                    while (!stopWriting.get()) {
                        st.execute("INSERT INTO unpublished VALUES (1)");
                        Thread.sleep(2);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            busy.start();
            try {
                Thread.sleep(2500);
                List<LogShipper.Lag> seen = new ArrayList<>();
                assertTrue(shipper.awaitLagBelow(1 << 20, Duration.ofSeconds(1), Duration.ofSeconds(20), seen::add), seen.toString());
                System.out.println("lag while only unpublished tables are written: " + seen);
            } finally {
                stopWriting.set(true);
                busy.join(10_000);
            }
        } finally {
            shipper.stop();
        }
        assertThrows(IllegalStateException.class, () -> shipper.drainTo(Lsn.ZERO, Duration.ofSeconds(1)));
    }

    /**
     * A copy re-run after shipping (a new slot, the target reloaded) leaves the old run's position on the
     * target: shipping starts at the new snapshot's consistent point, which lies past it.
     */
    @Test
    void aReRunCopyShipsFromItsOwnSnapshot() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_rerun");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        }
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult first = Shipping.copy(p, "ship_rerun", plan);
        LogShipper one = Shipping.start(p, "ship_rerun", plan, first.consistentPoint());
        Db.exec(p.source(), "INSERT INTO t VALUES (1, 1)");
        Shipping.drain(one, p.source());
        one.stop();
        Lsn old = LogShipper.appliedPosition(p.target(), "ship_rerun").orElseThrow();

        Db.exec(p.source(), "INSERT INTO t VALUES (2, 2)");
        SnapshotResult second = Shipping.copy(p, "ship_rerun", plan);
        assertTrue(old.isBefore(second.consistentPoint()));
        Db.exec(p.source(), "INSERT INTO t VALUES (3, 3)", "UPDATE t SET v = 10 WHERE id = 1");
        LogShipper two = Shipping.start(p, "ship_rerun", plan, second.consistentPoint());
        try {
            assertEquals(old, two.recordedAtStart().orElseThrow());
            Shipping.drain(two, p.source());
            assertEquals(List.of("1|10", "2|2", "3|3"), Db.rows(p.target(), "SELECT * FROM t ORDER BY id"));
        } finally {
            two.stop();
        }
    }

    /** A change the target refuses stops the shipper; drain and lag report the cause; nothing after it is applied. */
    @Test
    void aFailedApplyStopsTheShipperAndSurfaces() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_fail");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        }
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult snap = Shipping.copy(p, "ship_fail", plan);
        Db.exec(p.target(), "ALTER TABLE t ADD CONSTRAINT small CHECK (v < 100)");
        LogShipper shipper = Shipping.start(p, "ship_fail", plan, snap.consistentPoint());
        try {
            Db.exec(p.source(), "INSERT INTO t VALUES (1, 1)", "BEGIN", "INSERT INTO t VALUES (2, 2)", "INSERT INTO t VALUES (3, 1000)", "COMMIT",
                    "INSERT INTO t VALUES (4, 4)");
            LogShippingException e = assertThrows(LogShippingException.class, () -> shipper.drainTo(Shipping.fence(p.source()), Shipping.DRAIN));
            SQLException cause = findSql(e);
            assertEquals("23514", cause.getSQLState(), e.toString());
            assertThrows(LogShippingException.class, shipper::lag);
            Shipping.awaitStopped(shipper, Duration.ofSeconds(10));
            assertInstanceOf(LogShippingException.class, shipper.failure().orElseThrow());
            // Nothing of the failed transaction nor after it. (The one before may have shared its target
            // transaction, when both were waiting already: then it is rolled back too, and applied again later.)
            List<String> left = Db.rows(p.target(), "SELECT * FROM t ORDER BY id");
            assertTrue(left.equals(List.of()) || left.equals(List.of("1|1")), left.toString());
        } finally {
            shipper.stop();
        }
        // Fixed, a new shipper resumes with the transaction that failed.
        Db.exec(p.target(), "ALTER TABLE t DROP CONSTRAINT small");
        LogShipper again = Shipping.start(p, "ship_fail", plan, snap.consistentPoint());
        try {
            Shipping.drain(again, p.source());
            assertEquals(List.of("1|1", "2|2", "3|1000", "4|4"), Db.rows(p.target(), "SELECT * FROM t ORDER BY id"));
        } finally {
            again.stop();
        }
    }

    private static SQLException findSql(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && s.getSQLState() != null) {
                return s;
            }
        }
        throw new AssertionError("no SQLException with a state in " + t, t);
    }
}
