package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The set-based apply of keyed tables' changes ({@link NetChangeBatch}): each batch's net change per key, in one
 * statement, must leave the target as the changes applied one by one would.
 */
class ChangeApplierSetTest {

    private static final String ODD = "it's \"quoted\", {braced}, back\\slash, NULL";

    /** Applies changes straight through a ChangeApplier (no log), one flush at the end. */
    private interface Changes {
        void apply(ChangeApplier a) throws SQLException;
    }

    private static ChangeApplier applyAll(PgServers.Pair p, Connection target, Changes changes) throws SQLException {
        ChangeApplier.prepareSession(target);
        ChangeApplier a = new ChangeApplier(target, p.source(), "unused");
        changes.apply(a);
        a.flush();
        target.commit();
        return a;
    }

    private static ShippedTable table(PgServers.Pair p, String name, TableTransform transform) {
        List<TableMigration> plan = Db.plan(p, List.of(name), transform == null ? List.of() : List.of(transform));
        return new ShippedTable(plan.get(0));
    }

    private static String[] row(String... values) {
        return values;
    }

    @Test
    void netChangePerKeyInOneBatch() throws Exception {
        PgServers.Pair p = PgServers.fresh("set_net");
        String ddl = "CREATE TABLE kv (id int PRIMARY KEY, v text, email text UNIQUE)";
        Db.exec(p.source(), ddl);
        Db.exec(p.target(), ddl, "INSERT INTO kv VALUES (3, 'three', 'c@x'), (4, 'four', 'd@x'), (5, 'five', 'e@x'), "
                + "(10, 'ten', 'A'), (11, 'eleven', 'B')");
        ShippedTable kv = table(p, "kv", null);
        try (Connection c = p.target().connect()) {
            ChangeApplier a = applyAll(p, c, x -> {
                // insert, update, delete of one key: gone
                x.insert(kv, row("1", "one", "a@x"));
                x.update(kv, null, false, row("1", "one+", "a@x"), null);
                x.delete(kv, row("1", null, null));
                // insert, two updates: the last row
                x.insert(kv, row("2", "two", "b@x"));
                x.update(kv, null, false, row("2", "two+", "b@x"), null);
                x.update(kv, null, false, row("2", ODD, null), null);
                // an existing row updated, then deleted
                x.update(kv, null, false, row("3", "three+", "c@x"), null);
                x.delete(kv, row("3", null, null));
                // an existing row deleted, then inserted again
                x.delete(kv, row("4", null, null));
                x.insert(kv, row("4", "four again", "d@x"));
                // a key-changing update, then back to the old key's value moved to a third key
                x.update(kv, row("5", null, null), false, row("6", "six", "e@x"), null);
                x.update(kv, row("6", null, null), false, row("7", "seven", "e@x"), null);
                x.insert(kv, row("5", "five again", "f@x"));
                // the unique email swapped between two rows through a temporary value
                x.update(kv, null, false, row("10", "ten", "tmp"), null);
                x.update(kv, null, false, row("11", "eleven", "A"), null);
                x.update(kv, null, false, row("10", "ten", "B"), null);
            });
            assertEquals(1, a.setApplies());
            assertEquals(0, a.setFallbacks());
        }
        assertEquals(List.of("2|" + ODD + "|null", "4|four again|d@x", "5|five again|f@x", "7|seven|e@x", "10|ten|B", "11|eleven|A"),
                Db.rows(p.target(), "SELECT * FROM kv ORDER BY id"));
    }

    @Test
    void filtersAndConvertsAsTheRowByRowApply() throws Exception {
        PgServers.Pair p = PgServers.fresh("set_transform");
        Db.exec(p.source(), "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email varchar(100), legacy_flag boolean, "
                + "status text NOT NULL, tags text[])");
        Db.exec(p.target(), "CREATE TABLE clients (id bigint PRIMARY KEY, full_name text NOT NULL, email varchar(100), email_domain text, "
                + "status text NOT NULL, tags text[], created_at timestamptz NOT NULL DEFAULT now())",
                "INSERT INTO clients (id, full_name, email, email_domain, status) VALUES (1, 'c1', 'c1@a.example', 'a.example', 'active'), "
                        + "(2, 'c2', 'c2@b.example', 'b.example', 'active')");
        TableTransform clients = TableTransform.of("customers").renameTo("clients").renameColumn("name", "full_name")
                .addColumn("email_domain", "split_part(email, '@', 2)").dropColumn("legacy_flag").withWhere("status <> 'void'");
        ShippedTable t = table(p, "customers", clients);
        try (Connection c = p.target().connect()) {
            ChangeApplier a = applyAll(p, c, x -> {
                x.update(t, null, false, row("1", "c1", "c1@a.example", "t", "void", "{x}"), null); // leaves the filter
                x.insert(t, row("3", "c3", "c3@c.example", "f", "void", null)); // never enters
                x.insert(t, row("4", "c4", "c4@d.example", null, "void", "{}"));
                x.update(t, null, false, row("4", "c4", "c4@d.example", null, "active", "{\"a b\",NULL}"), null); // enters
                x.update(t, row("2", null, null, null, null, null), false, row("20", "c20", "c20@e.example", "t", "active", "{y}"), null);
                x.insert(t, row("5", ODD, null, null, "active", null));
            });
            assertEquals(1, a.setApplies());
        }
        assertEquals(List.of("4|c4|c4@d.example|d.example|active|{\"a b\",NULL}", "5|" + ODD + "|null|null|active|null",
                "20|c20|c20@e.example|e.example|active|{y}"),
                Db.rows(p.target(), "SELECT id, full_name, email, email_domain, status, tags FROM clients ORDER BY id"));
    }

    @Test
    void keylessTablesAndSmallBatchesStayRowByRowAndTablesKeepTheirOrder() throws Exception {
        PgServers.Pair p = PgServers.fresh("set_mixed");
        String ddl = "CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, v text); CREATE TABLE log (v text)";
        Db.exec(p.source(), ddl, "ALTER TABLE log REPLICA IDENTITY FULL");
        Db.exec(p.target(), ddl);
        ShippedTable ta = table(p, "a", null);
        ShippedTable tb = table(p, "b", null);
        ShippedTable log = table(p, "log", TableTransform.of("log").withReplicaIdentityFull());
        try (Connection c = p.target().connect()) {
            ChangeApplier a = applyAll(p, c, x -> {
                for (int i = 0; i < 10; i++) {
                    x.insert(log, row("l" + i));
                }
                x.delete(log, row("l3"));
                for (int i = 0; i < 6; i++) {
                    x.insert(ta, row(String.valueOf(i), "a" + i));
                }
                x.insert(tb, row("1", "b1")); // one change: row by row
                for (int i = 0; i < 6; i++) {
                    x.update(ta, null, false, row(String.valueOf(i), "a" + i + "+"), null);
                }
                for (int i = 0; i < ChangeApplier.BATCH + 7; i++) { // more than a batch
                    x.insert(tb, row(String.valueOf(100 + i), "b"));
                }
                x.delete(ta, row("0", null));
            });
            assertEquals(4, a.setApplies()); // a twice, b's full batch and its rest; not log, the lone b change nor the last a one
            assertEquals(0, a.setFallbacks());
        }
        assertEquals(9, Db.count(p.target(), "SELECT count(*) FROM log WHERE v <> 'l3'"));
        assertEquals(List.of("1|a1+", "2|a2+", "3|a3+", "4|a4+", "5|a5+"), Db.rows(p.target(), "SELECT * FROM a ORDER BY id"));
        assertEquals(ChangeApplier.BATCH + 8, Db.count(p.target(), "SELECT count(*) FROM b"));
    }

    @Test
    void aTargetTransactionTakesBoundedSavepoints() throws Exception {
        PgServers.Pair p = PgServers.fresh("set_bounded");
        String ddl = "CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, v text)";
        Db.exec(p.source(), ddl);
        Db.exec(p.target(), ddl);
        ShippedTable ta = table(p, "a", null);
        ShippedTable tb = table(p, "b", null);
        int runs = 2 * NetChangeBatch.MAX_PER_TRANSACTION;
        try (Connection c = p.target().connect()) {
            ChangeApplier a = applyAll(p, c, x -> {
                for (int r = 0; r < runs; r++) { // a run of 4 changes to one table, then to the other
                    for (int i = 0; i < 4; i++) {
                        x.insert(r % 2 == 0 ? ta : tb, row(String.valueOf(r * 10 + i), "r" + r));
                    }
                }
            });
            assertEquals(NetChangeBatch.MAX_PER_TRANSACTION, a.setApplies()); // the rest went row by row
        }
        assertEquals(2L * runs, Db.count(p.target(), "SELECT count(*) FROM a"));
        assertEquals(2L * runs, Db.count(p.target(), "SELECT count(*) FROM b"));
    }

    @Test
    void aFailedSetStatementFallsBackToTheRowByRowApply() throws Exception {
        PgServers.Pair p = PgServers.fresh("set_fallback");
        Db.exec(p.source(), "CREATE TABLE kv (id int PRIMARY KEY, v text)");
        Db.exec(p.target(), "CREATE TABLE kv (id int PRIMARY KEY, v text)", "INSERT INTO kv VALUES (1, 'stale')");
        ShippedTable kv = table(p, "kv", null);
        try (Connection c = p.target().connect()) {
            ChangeApplier.prepareSession(c);
            ChangeApplier a = new ChangeApplier(c, p.source(), "unused");
            for (int i = 1; i <= 5; i++) {
                a.insert(kv, row(String.valueOf(i), "new")); // the target holds key 1 already
            }
            SQLException e = assertThrows(SQLException.class, a::flush);
            assertTrue(e.getMessage().contains("applying changes to target table 'kv' failed"), e.getMessage());
            assertEquals("23505", e.getSQLState());
            assertEquals(1, a.setFallbacks()); // the error is the row-by-row apply's
            c.rollback();
        }
    }

    @Test
    void shipsTheSameScenariosThroughTheLog() throws Exception {
        PgServers.Pair p = PgServers.fresh("set_ship");
        String ddl = "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text, status text NOT NULL); "
                + "CREATE TABLE notes (user_id int, n int, body text, PRIMARY KEY (user_id, n)); CREATE TABLE events (what text)";
        Db.exec(p.source(), ddl, "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO users SELECT g, 'u' || g || '@x', 'user ' || g, 'active' FROM generate_series(1, 50) g",
                "INSERT INTO notes SELECT g % 10, g, 'note ' || g FROM generate_series(1, 100) g");
        Db.exec(p.target(), "CREATE TABLE members (id int PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, status text NOT NULL, "
                + "shouted text); CREATE TABLE notes (user_id int, n int, body text, PRIMARY KEY (user_id, n)); CREATE TABLE events (what text)");
        List<TableMigration> plan = Db.plan(p, null, List.of(
                TableTransform.of("users").renameTo("members").renameColumn("name", "full_name").addColumn("shouted", "upper(name)")
                        .withWhere("status <> 'banned'"),
                TableTransform.of("events").withReplicaIdentityFull()));
        SnapshotResult snap = Shipping.copy(p, "set_ship", plan);
        try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO users VALUES (100, 'n@x', 'new', 'active')");
            st.execute("UPDATE users SET name = 'newer' WHERE id = 100");
            st.execute("DELETE FROM users WHERE id = 100");
            st.execute("UPDATE users SET id = 200 WHERE id = 1"); // key change
            st.execute("DELETE FROM users WHERE id = 2");
            st.execute("INSERT INTO users VALUES (2, 'u2@x', 'back again', 'active')");
            st.execute("UPDATE users SET email = 'tmp' WHERE id = 3"); // swap emails 3 <-> 4
            st.execute("UPDATE users SET email = 'u3@x' WHERE id = 4");
            st.execute("UPDATE users SET email = 'u4@x' WHERE id = 3");
            st.execute("UPDATE users SET status = 'banned' WHERE id BETWEEN 5 AND 9"); // leave the filter
            st.execute("INSERT INTO events SELECT 'e' || g FROM generate_series(1, 20) g");
            st.execute("UPDATE notes SET n = n + 1000 WHERE user_id = 3");
            st.execute("DELETE FROM events WHERE what = 'e7'");
            st.execute("UPDATE users SET status = 'active' WHERE id = 6"); // back in
            c.commit();
            for (int i = 0; i < 300; i++) { // many small transactions
                st.execute("UPDATE users SET name = name || '.' WHERE id = " + (10 + i % 40));
                st.execute("INSERT INTO notes VALUES (" + (i % 7) + ", " + (5000 + i) + ", 'n" + i + "')");
                c.commit();
            }
            st.execute("UPDATE users SET id = id + 1000"); // every key changes in one statement
            st.execute("DELETE FROM notes WHERE n % 3 = 0");
            c.commit();
        }
        LogShipper shipper = Shipping.start(p, "set_ship", plan, snap.consistentPoint());
        try {
            Shipping.drain(shipper, p.source());
        } finally {
            shipper.stop();
            SnapshotCopier.dropSlotAndPublication(p.source(), "set_ship", "set_ship_pub"); // the shared server's slots are few
        }
        assertEquals(Db.rows(p.source(), "SELECT id, email, name, status, upper(name) FROM users WHERE status <> 'banned' ORDER BY id"),
                Db.rows(p.target(), "SELECT id, email, full_name, status, shouted FROM members ORDER BY id"));
        assertEquals(Db.rows(p.source(), "SELECT * FROM notes ORDER BY 1, 2"), Db.rows(p.target(), "SELECT * FROM notes ORDER BY 1, 2"));
        assertEquals(Db.rows(p.source(), "SELECT * FROM events ORDER BY 1"), Db.rows(p.target(), "SELECT * FROM events ORDER BY 1"));
        assertEquals(46, Db.count(p.target(), "SELECT count(*) FROM members")); // 50 users, 4 of them banned
    }
}
