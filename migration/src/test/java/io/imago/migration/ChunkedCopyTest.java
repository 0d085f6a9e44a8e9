package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Primary-key ranges and binary COPY: big tables split across workers, every range reading the one snapshot. */
class ChunkedCopyTest {

    /** Slots are cluster-wide and the test servers have few: each test drops its own. */
    private final List<Runnable> cleanups = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void dropSlots() {
        cleanups.forEach(Runnable::run);
    }

    private SnapshotCopier copier(PgServers.Pair p, String slot, int parallelism, CopyProgress progress) {
        cleanups.add(() -> dropSlot(p, slot, slot + "_pub"));
        return new SnapshotCopier(p.source(), p.target(), slot, slot + "_pub", parallelism, progress).withMinChunkRows(5_000);
    }

    /** Records which threads streamed rows of which table, on top of what RecordingProgress records. */
    private static final class ThreadsPerTable extends RecordingProgress {
        final Map<String, Set<String>> streamers = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> starts = new ConcurrentHashMap<>();

        @Override
        public void tableStarted(String table, long estimatedRows) {
            starts.computeIfAbsent(table, t -> new AtomicLong()).incrementAndGet();
            super.tableStarted(table, estimatedRows);
        }

        @Override
        public void rowsCopied(String table, long delta) {
            streamers.computeIfAbsent(table, t -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread().getName());
            super.rowsCopied(table, delta);
        }
    }

    @Test
    void aBigTableIsSplitIntoKeyRangesThatAllWorkersCopy() throws Exception {
        PgServers.Pair p = PgServers.fresh("chunk_split");
        Db.exec(p.source(), "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL, amount numeric(10,2))",
                "INSERT INTO events SELECT g * 3, 'k' || (g % 7), '2024-01-01'::timestamptz + g * interval '1 minute', g / 100.0 "
                        + "FROM generate_series(-30000, 30000) g",
                "CREATE TABLE staged (id int PRIMARY KEY, v text)",
                "INSERT INTO staged SELECT g, md5(g::text) FROM generate_series(1, 40000) g", "ANALYZE");
        Db.exec(p.target(), "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL, amount numeric(10,2))",
                "CREATE TABLE staged (id int PRIMARY KEY, value text, odd boolean)");
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("staged").renameColumn("v", "value")
                .addColumn("odd", "id % 2 = 1").withWhere("id % 10 <> 0")));
        try (Connection src = p.source().connect()) {
            for (TableMigration m : plan) {
                assertTrue(new KeyRanges(2, 5_000).split(src, m).size() >= 2, m.sourceTable());
            }
        }
        ThreadsPerTable progress = new ThreadsPerTable();
        SnapshotResult r = copier(p, "chunk_split", 2, progress).copy(plan);

        assertEquals(Map.of("events", 60001L, "staged", 36000L), r.rowsPerTargetTable());
        String check = "SELECT count(*), sum(id), md5(string_agg(x::text, ',' ORDER BY id)) FROM events x";
        assertEquals(Db.rows(p.source(), check), Db.rows(p.target(), check));
        assertEquals(Db.rows(p.source(), "SELECT md5(string_agg(id || v || (id % 2 = 1), ',' ORDER BY id)) FROM staged WHERE id % 10 <> 0"),
                Db.rows(p.target(), "SELECT md5(string_agg(id || value || odd, ',' ORDER BY id)) FROM staged"));
        // one start and one done per table, whatever the number of chunks
        assertEquals(1L, progress.starts.get("events").get());
        assertEquals(60001L, progress.done.get("events"));
        assertEquals(60001L, progress.streamed.get("events").get());
        assertEquals(40000L, progress.streamed.get("staged").get());
        assertEquals(2, progress.streamers.get("events").size(), progress.streamers.toString());
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM pg_class WHERE relname LIKE 'imago_stage%'"));
    }

    /** Rows inserted while the ranges load (keys above any bound) are in the slot, not in the copy: the ranges share one snapshot. */
    @Test
    void everyRangeReadsTheExportedSnapshot() throws Exception {
        PgServers.Pair p = PgServers.fresh("chunk_meet");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), pad text)");
        }
        Db.exec(p.source(), "INSERT INTO ticks (pad) SELECT repeat('x', 100) FROM generate_series(1, 60000)", "ANALYZE");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong inserted = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    st.execute("INSERT INTO ticks DEFAULT VALUES");
                    st.execute("DELETE FROM ticks WHERE id = " + (1 + inserted.get() * 7 % 60000)); // in the lower ranges too
                    inserted.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        while (inserted.get() < 100) {
            Thread.sleep(5);
        }
        SnapshotResult r;
        try {
            r = copier(p, "chunk_meet", 2, CopyProgress.NONE).copy(Db.plan(p, null, List.of()));
            long atEnd = inserted.get();
            while (inserted.get() < atEnd + 100) {
                Thread.sleep(5);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        Db.exec(p.source(), "SET synchronous_commit = on", "CREATE TABLE flush_marker ()");
        String changes = "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('chunk_meet', NULL, NULL, "
                + "'proto_version', '1', 'publication_names', 'chunk_meet_pub') WHERE get_byte(data, 0) = ascii('%s')";
        long inserts = Db.count(p.source(), changes.formatted("I"));
        long deletes = Db.count(p.source(), changes.formatted("D"));
        assertTrue(inserts >= 100, "inserts after the consistent point: " + inserts);
        long total = Db.count(p.source(), "SELECT count(*) FROM ticks");
        assertEquals(total, r.rowsPerTargetTable().get("ticks") + inserts - deletes);
        assertEquals(Db.count(p.source(), "SELECT max(id) FROM ticks") - inserts, Db.count(p.target(), "SELECT max(id) FROM ticks"));
    }

    @Test
    void binaryCopyCarriesBuiltInTypesExactlyAndUserTypesGoAsText() throws Exception {
        PgServers.Pair p = PgServers.fresh("chunk_binary");
        String ddl = "(id int PRIMARY KEY, n numeric(20,6), f double precision, at timestamptz, d date, i interval, b bytea, "
                + "j jsonb, u uuid, tags text[], ok boolean, name varchar(40))";
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            // created in different orders, so the enum's OID differs between the two databases
            if (e == p.target()) {
                Db.exec(e, "CREATE TYPE filler AS ENUM ('x')");
            }
            Db.exec(e, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')", "CREATE TABLE typed " + ddl,
                    "CREATE TABLE moody (id int PRIMARY KEY, m mood, ms mood[])");
        }
        Db.exec(p.source(), "INSERT INTO typed VALUES (1, -123456.789012, 'NaN', '2020-02-29 12:34:56.789+05', 'infinity', '1 year 2 mons -3 days', "
                        + "'\\x00ff10', '{\"a\": [1, 2.5, null]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"x y\",NULL,z}', true, 'Zoë ☃'),"
                        + "(2, null, 1e-300, null, '0001-01-01 BC', null, '', 'null', null, '{}', null, '')",
                "INSERT INTO moody VALUES (1, 'happy', '{sad,ok}'), (2, null, null)");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        TableMigration typed = plan.stream().filter(m -> m.sourceTable().equals("typed")).findFirst().orElseThrow();
        TableMigration moody = plan.stream().filter(m -> m.sourceTable().equals("moody")).findFirst().orElseThrow();
        assertTrue(new TransformSql(typed).binaryCopyPossible());
        assertFalse(new TransformSql(moody).binaryCopyPossible());

        RecordingProgress progress = new RecordingProgress();
        SnapshotResult r = copier(p, "chunk_binary", 2, progress).copy(plan);
        assertEquals(Map.of("typed", 2L, "moody", 2L), r.rowsPerTargetTable());
        assertEquals(2L, progress.streamed.get("typed").get()); // the binary trailer is not a row
        for (String t : List.of("typed", "moody")) {
            assertEquals(Db.rows(p.source(), "SELECT x::text FROM " + t + " x ORDER BY id"), Db.rows(p.target(), "SELECT x::text FROM " + t + " x ORDER BY id"));
        }
    }

    @Test
    void baseTypeStripsModifiersAndArrays() {
        assertEquals("character varying", TransformSql.baseType("character varying(40)[]"));
        assertEquals("numeric", TransformSql.baseType("numeric(12,2)"));
        assertEquals("timestamp with time zone", TransformSql.baseType("timestamp(3) with time zone"));
        assertEquals("mood", TransformSql.baseType("mood[]"));
    }

    @Test
    void failingChunkFailsTheCopyAndTheReRunLoadsEverything() throws Exception {
        PgServers.Pair p = PgServers.fresh("chunk_rerun");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE big (id int PRIMARY KEY, v text)");
        }
        Db.exec(p.source(), "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 40000) g", "ANALYZE");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        AtomicLong calls = new AtomicLong();
        CopyProgress crash = new CopyProgress() {
            @Override
            public void tableDone(String table, long rows) {
                throw new IllegalStateException("not reached: a chunk fails before the table is done");
            }

            @Override
            public void rowsCopied(String table, long delta) {
                if (calls.incrementAndGet() == 2) {
                    throw new IllegalStateException("simulated crash in the second chunk");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> copier(p, "chunk_rerun", 2, crash).copy(plan));
        SnapshotResult r = copier(p, "chunk_rerun", 2, CopyProgress.NONE).copy(plan);
        assertEquals(Map.of("big", 40000L), r.rowsPerTargetTable());
        String check = "SELECT count(*), md5(string_agg(v, ',' ORDER BY id)) FROM big";
        assertEquals(Db.rows(p.source(), check), Db.rows(p.target(), check));
    }

    private static void dropSlot(PgServers.Pair p, String slot, String publication) {
        try {
            SnapshotCopier.dropSlotAndPublication(p.source(), slot, publication);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
