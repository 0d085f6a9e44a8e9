package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SnapshotCopierTest {

    private static SnapshotResult copy(PgServers.Pair p, String slot, int parallelism, CopyProgress progress, List<TableMigration> plan)
            throws SQLException {
        return new SnapshotCopier(p.source(), p.target(), slot, slot + "_pub", parallelism, progress).copy(plan);
    }

    /** Customers renamed to clients: a column renamed, one added by expression, one dropped, rows filtered. */
    private static PgServers.Pair customers(String name) {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(),
                "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email varchar(100), legacy_flag boolean, "
                        + "status text NOT NULL, joined timestamptz, balance numeric(12,2), tags text[], photo bytea)",
                "INSERT INTO customers (name, email, legacy_flag, status, joined, balance, tags, photo) VALUES "
                        + "('Ada Lovelace', 'ada@example.org', true, 'active', '2020-01-02 03:04:05.678+01', 12.50, '{a,b}', '\\x00ff'),"
                        + "(E'Tab\\there, new\\nline, back\\\\slash', 'x@weird.example', false, 'active', null, -1, '{}', null),"
                        + "('Zoë \"quoted\" O''Brien ☃', null, null, 'active', 'infinity', 0, null, ''),"
                        + "('Void Person', 'void@example.com', true, 'void', now(), 5, '{x}', '\\x01'),"
                        + "('No At', 'no-at-sign', null, 'active', '1999-12-31 23:59:59+00', 99999999.99, '{\"with space\",\"q\\\"\"}', null)");
        Db.exec(p.target(),
                "CREATE TABLE clients (id serial PRIMARY KEY, full_name text NOT NULL, email varchar(100), email_domain text, "
                        + "status text NOT NULL, joined timestamptz, balance numeric(12,2), tags text[], photo bytea, "
                        + "created_at timestamptz NOT NULL DEFAULT now())");
        return p;
    }

    private static final TableTransform CLIENTS = TableTransform.of("customers").renameTo("clients")
            .renameColumn("name", "full_name").addColumn("email_domain", "split_part(email, '@', 2)")
            .dropColumn("legacy_flag").withWhere("status <> 'void'");

    @Test
    void convertsEveryRowAsTheTransformSays() throws Exception {
        PgServers.Pair p = customers("copy_transform");
        List<TableMigration> plan = Db.plan(p, null, List.of(CLIENTS));
        RecordingProgress progress = new RecordingProgress();
        SnapshotResult r = copy(p, "copy_transform", 1, progress, plan);

        assertEquals(Map.of("clients", 4L), r.rowsPerTargetTable());
        assertEquals(5L, progress.streamed.get("clients").get()); // source rows, before the filter
        assertEquals(4L, progress.done.get("clients"));
        List<String> expected = Db.rows(p.source(), "SELECT id, name, email, split_part(email, '@', 2), status, joined, balance, tags, "
                + "photo FROM customers WHERE status <> 'void' ORDER BY id");
        List<String> actual = Db.rows(p.target(), "SELECT id, full_name, email, email_domain, status, joined, balance, tags, photo "
                + "FROM clients ORDER BY id");
        assertEquals(expected, actual);
        assertEquals(4, expected.size());
        assertEquals(List.of("1|Ada Lovelace|example.org", "2|Tab\there, new\nline, back\\slash|weird.example",
                "3|Zoë \"quoted\" O'Brien ☃|null", "5|No At|"), Db.rows(p.target(), "SELECT id, full_name, email_domain FROM clients ORDER BY id"));
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM pg_class WHERE relname LIKE 'imago_stage%'"));
    }

    /** Log shipping will convert one row at a time through the VALUES relation: it must give the very same row. */
    @Test
    void aRowShippedAsTextValuesConvertsLikeTheSnapshot() throws Exception {
        PgServers.Pair p = customers("copy_values");
        TableMigration m = Db.plan(p, null, List.of(CLIENTS)).get(0);
        copy(p, "copy_values", 1, CopyProgress.NONE, List.of(m));
        String cols = "id, full_name, email, email_domain, status, joined, balance, tags, photo";
        List<String> snapshot = Db.rows(p.target(), "SELECT " + cols + " FROM clients ORDER BY id");

        List<String> shipped = new ArrayList<>();
        try (Connection src = p.source().connect(); Connection tgt = p.target().connect()) {
            tgt.setAutoCommit(false);
            try (Statement st = tgt.createStatement()) {
                st.execute("DELETE FROM clients");
            }
            TransformSql sql = new TransformSql(m);
            try (Statement st = src.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT id::text, name::text, email::text, legacy_flag::text, status::text, joined::text, balance::text, tags::text, "
                            + "photo::text FROM customers ORDER BY id");
                 PreparedStatement ins = tgt.prepareStatement(sql.insertFromValues(1))) {
                while (rs.next()) {
                    for (int i = 1; i <= 9; i++) {
                        ins.setString(i, rs.getString(i));
                    }
                    ins.executeUpdate();
                }
            }
            try (Statement st = tgt.createStatement(); ResultSet rs = st.executeQuery("SELECT " + cols + " FROM clients ORDER BY id")) {
                while (rs.next()) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i <= 9; i++) {
                        b.append(i > 1 ? "|" : "").append(rs.getString(i));
                    }
                    shipped.add(b.toString());
                }
            }
            tgt.rollback();
        }
        assertEquals(snapshot, shipped);
    }

    @Test
    void skippedTablesAreNeitherCopiedNorTouched() throws Exception {
        PgServers.Pair p = customers("copy_skip");
        Db.exec(p.source(), "CREATE TABLE sessions (id int PRIMARY KEY, token text)", "INSERT INTO sessions VALUES (1, 'a'), (2, 'b')");
        Db.exec(p.target(), "CREATE TABLE sessions (id int PRIMARY KEY, token text)", "INSERT INTO sessions VALUES (9, 'target-only')");
        List<TableMigration> plan = Db.plan(p, null, List.of(CLIENTS, TableTransform.of("sessions").skipped()));
        SnapshotResult r = copy(p, "copy_skip", 2, CopyProgress.NONE, plan);
        assertEquals(Map.of("clients", 4L), r.rowsPerTargetTable());
        assertEquals(List.of("9|target-only"), Db.rows(p.target(), "SELECT * FROM sessions"));
        assertEquals(List.of("customers"), Db.rows(p.source(), "SELECT tablename FROM pg_publication_tables WHERE pubname = 'copy_skip_pub'"));
    }

    @Test
    void copiesSeveralTablesInParallelWhateverTheirForeignKeys() throws Exception {
        PgServers.Pair p = PgServers.fresh("copy_parallel");
        String[] tables = {"t1", "t2", "t3", "t4", "t5"};
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE t1 (id int PRIMARY KEY, v text)");
            for (int i = 2; i <= 5; i++) {
                // each table references the previous one: loading them in parallel needs the checks off
                Db.exec(e, "CREATE TABLE t" + i + " (id int PRIMARY KEY, parent int REFERENCES t" + (i - 1) + ", v text)");
            }
        }
        Db.exec(p.source(), "INSERT INTO t1 SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
        for (int i = 2; i <= 5; i++) {
            Db.exec(p.source(), "INSERT INTO t" + i + " SELECT g, g, md5(g::text) FROM generate_series(1, 20000 + " + i + ") g WHERE g <= 20000");
        }
        Db.exec(p.source(), "ANALYZE");
        RecordingProgress progress = new RecordingProgress();
        SnapshotResult r = copy(p, "copy_parallel", 2, progress, Db.plan(p, null, List.of()));

        for (String t : tables) {
            assertEquals(20000L, r.rowsPerTargetTable().get(t), t);
            assertEquals(Db.rows(p.source(), "SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM " + t + " x"),
                    Db.rows(p.target(), "SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM " + t + " x"), t);
            assertEquals(20000L, progress.estimated.get(t), t);
        }
        assertEquals(2, progress.threads.size(), progress.threads.toString());
        assertTrue(progress.maxInFlight.get() <= 2);
        assertEquals(5, progress.done.size());
    }

    @Test
    void aReRunAfterAFailedCopyGivesTheSameResult() throws Exception {
        PgServers.Pair p = customers("copy_rerun");
        Db.exec(p.source(), "CREATE TABLE events (id bigint PRIMARY KEY, kind text)",
                "INSERT INTO events SELECT g, 'k' || (g % 7) FROM generate_series(1, 50000) g");
        Db.exec(p.target(), "CREATE TABLE events (id bigint PRIMARY KEY, kind text)",
                // what an earlier run committed before it died
                "INSERT INTO events SELECT g, 'stale' FROM generate_series(1, 1000) g",
                "INSERT INTO clients (id, full_name, status) VALUES (1, 'stale', 'x')");
        List<TableMigration> plan = Db.plan(p, null, List.of(CLIENTS));

        CopyProgress crash = new CopyProgress() {
            @Override
            public void rowsCopied(String table, long delta) {
                if (table.equals("events")) {
                    throw new IllegalStateException("simulated crash in the middle of 'events'");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> copy(p, "copy_rerun", 2, crash, plan));
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM events")); // truncated; the half-load rolled back

        SnapshotResult first = copy(p, "copy_rerun", 2, CopyProgress.NONE, plan); // the slot of the failed run is replaced
        List<String> afterFirst = Db.rows(p.target(), "SELECT * FROM events ORDER BY id");
        List<String> clientsFirst = Db.rows(p.target(), "SELECT id, full_name, email_domain FROM clients ORDER BY id");
        SnapshotResult second = copy(p, "copy_rerun", 2, CopyProgress.NONE, plan);

        assertEquals(Map.of("clients", 4L, "events", 50000L), first.rowsPerTargetTable());
        assertEquals(first.rowsPerTargetTable(), second.rowsPerTargetTable());
        assertEquals(afterFirst, Db.rows(p.target(), "SELECT * FROM events ORDER BY id"));
        assertEquals(clientsFirst, Db.rows(p.target(), "SELECT id, full_name, email_domain FROM clients ORDER BY id"));
        assertEquals(Db.rows(p.source(), "SELECT * FROM events ORDER BY id"), afterFirst);
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1) d"));
        assertFalse(second.consistentPoint().isBefore(first.consistentPoint()));
        assertEquals(1, Db.count(p.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'copy_rerun'"));
    }

    @Test
    void advancesSequencesPastTheLoadedKeys() throws Exception {
        PgServers.Pair p = PgServers.fresh("copy_sequences");
        Db.exec(p.source(),
                "CREATE TABLE a (id serial PRIMARY KEY, v text)", "INSERT INTO a (v) SELECT 'x' FROM generate_series(1, 500)",
                "CREATE TABLE b (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)",
                "INSERT INTO b (v) SELECT CASE WHEN g % 2 = 0 THEN 'keep' ELSE 'drop' END FROM generate_series(1, 300) g",
                "CREATE TABLE c (id serial PRIMARY KEY, v text)", "INSERT INTO c (v) VALUES ('one')");
        Db.exec(p.target(),
                "CREATE TABLE a (id serial PRIMARY KEY, v text)",
                "CREATE TABLE b (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)", // loaded through INSERT ... SELECT
                "CREATE TABLE c (id serial PRIMARY KEY, v text)", "SELECT setval('c_id_seq', 1000)"); // already further: left alone
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("b").withWhere("v = 'keep'")));
        copy(p, "copy_sequences", 2, CopyProgress.NONE, plan);

        Db.exec(p.target(), "INSERT INTO a (v) VALUES ('new')", "INSERT INTO b (v) VALUES ('new')", "INSERT INTO c (v) VALUES ('new')");
        assertEquals(List.of("501"), Db.rows(p.target(), "SELECT id FROM a WHERE v = 'new'"));
        assertEquals(List.of("301"), Db.rows(p.target(), "SELECT id FROM b WHERE v = 'new'"));
        assertEquals(List.of("1001"), Db.rows(p.target(), "SELECT id FROM c WHERE v = 'new'"));
        assertEquals(150, Db.count(p.target(), "SELECT count(*) FROM b WHERE v = 'keep'"));
    }

    /** Rows committed before the consistent point are in the copy, the others in the slot: none in both, none lost. */
    @Test
    void theSnapshotAndTheSlotMeetExactly() throws Exception {
        PgServers.Pair p = PgServers.fresh("copy_meet");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
        }
        Db.exec(p.source(), "INSERT INTO ticks (at) SELECT now() FROM generate_series(1, 30000)");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong inserted = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    st.execute("INSERT INTO ticks DEFAULT VALUES");
                    inserted.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        while (inserted.get() < 200) {
            Thread.sleep(5);
        }
        SnapshotResult r = copy(p, "copy_meet", 1, CopyProgress.NONE, Db.plan(p, null, List.of()));
        long atEnd = inserted.get();
        while (inserted.get() < atEnd + 200) {
            Thread.sleep(5);
        }
        stop.set(true);
        writer.join();

        // The decoder reads only flushed WAL, and the test server commits asynchronously: flush it all.
        Db.exec(p.source(), "SET synchronous_commit = on", "CREATE TABLE flush_marker ()");
        long inSlot = Db.count(p.source(), "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('copy_meet', NULL, NULL, "
                + "'proto_version', '1', 'publication_names', 'copy_meet_pub') WHERE get_byte(data, 0) = ascii('I')");
        long copied = r.rowsPerTargetTable().get("ticks");
        long total = Db.count(p.source(), "SELECT count(*) FROM ticks");
        assertTrue(inSlot >= 200, "inserts after the consistent point: " + inSlot);
        assertEquals(total, copied + inSlot);
        assertEquals(Db.count(p.source(), "SELECT max(id) FROM ticks") - inSlot,
                Db.count(p.target(), "SELECT max(id) FROM ticks")); // the copy ends exactly where the slot begins
    }

    @Test
    void aTableWithoutKeyMigratesWithReplicaIdentityFullAndTheSourceKeepsAcceptingUpdates() throws Exception {
        PgServers.Pair p = PgServers.fresh("copy_nokey");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE audit_log (at timestamptz, what text)");
        }
        Db.exec(p.source(), "INSERT INTO audit_log VALUES (now(), 'a'), (now(), 'b')");
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("audit_log").withReplicaIdentityFull()));
        copy(p, "copy_nokey", 1, CopyProgress.NONE, plan);
        assertEquals(List.of("f"), Db.rows(p.source(), "SELECT relreplident FROM pg_class WHERE relname = 'audit_log'"));
        Db.exec(p.source(), "UPDATE audit_log SET what = 'c' WHERE what = 'a'", "DELETE FROM audit_log WHERE what = 'b'");
        assertEquals(2, Db.count(p.target(), "SELECT count(*) FROM audit_log"));
    }

    /** A fence that locks the tables (writes held through the copy) must not block the copy once the source is prepared. */
    @Test
    void copiesWhileAnotherSessionHoldsTheTablesExclusivelyOnceTheSourceIsPrepared() throws Exception {
        PgServers.Pair p = customers("copy_locked");
        List<TableMigration> plan = Db.plan(p, null, List.of(CLIENTS));
        SnapshotCopier copier = new SnapshotCopier(p.source(), p.target(), "copy_locked", "copy_locked_pub", 1, CopyProgress.NONE);
        copier.prepareSource(plan);
        copier.prepareSource(plan); // idempotent
        try (Connection fence = p.source().connect()) {
            fence.setAutoCommit(false);
            try (Statement st = fence.createStatement()) {
                st.execute("LOCK TABLE public.customers IN EXCLUSIVE MODE"); // reads pass, writes wait
            }
            CompletableFuture<SnapshotResult> copy = CompletableFuture.supplyAsync(() -> {
                try {
                    return copier.copy(plan);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(Map.of("clients", 4L), copy.get(30, TimeUnit.SECONDS).rowsPerTargetTable());
            fence.rollback();
        }
    }

    @Test
    void teardownDropsSlotAndPublicationIdempotently() throws Exception {
        PgServers.Pair p = customers("copy_teardown");
        copy(p, "copy_teardown", 1, CopyProgress.NONE, Db.plan(p, null, List.of(CLIENTS)));
        assertEquals(1, Db.count(p.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'copy_teardown'"));
        assertEquals(1, Db.count(p.source(), "SELECT count(*) FROM pg_publication WHERE pubname = 'copy_teardown_pub'"));

        SnapshotCopier.dropSlotAndPublication(p.source(), "copy_teardown", "copy_teardown_pub");
        SnapshotCopier.dropSlotAndPublication(p.source(), "copy_teardown", "copy_teardown_pub");

        assertEquals(0, Db.count(p.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'copy_teardown'"));
        assertEquals(0, Db.count(p.source(), "SELECT count(*) FROM pg_publication WHERE pubname = 'copy_teardown_pub'"));
    }

    @Test
    void refusesToCopyADatabaseOntoItself() {
        PgServers.Pair p = customers("copy_self");
        List<TableMigration> plan = Db.plan(p, null, List.of(CLIENTS));
        SnapshotCopier self = new SnapshotCopier(p.source(), p.source(), "copy_self", "copy_self_pub", 1, CopyProgress.NONE);
        assertThrows(IllegalArgumentException.class, () -> self.copy(plan));
        assertEquals(5, Db.count(p.source(), "SELECT count(*) FROM customers"));
    }
}
