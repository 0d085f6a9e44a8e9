package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each table's indexes are built as soon as its rows are in, each foreign key once both its tables have theirs. */
class PipelinedIndexesTest {
    private static final String SCHEMA = """
            CREATE TABLE parents (id int PRIMARY KEY, code text NOT NULL);
            CREATE INDEX parents_code_idx ON parents (code);
            CREATE TABLE children (id bigint PRIMARY KEY, parent int NOT NULL REFERENCES parents, note text);
            CREATE INDEX children_parent_idx ON children (parent)""";

    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void dropSlots() {
        cleanups.forEach(Runnable::run);
    }

    private static PgServers.Pair schema(String name, int children) {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(), SCHEMA);
        Db.exec(p.target(), SCHEMA);
        Db.exec(p.source(), "INSERT INTO parents SELECT g, 'c' || (g % 100) FROM generate_series(1, 1000) g",
                "INSERT INTO children SELECT g, 1 + g % 1000, 'n' || g FROM generate_series(1, " + children + ") g", "ANALYZE");
        return p;
    }

    /** One chunk per table, two workers: each table copies on its own worker, side by side. */
    private SnapshotCopier copier(PgServers.Pair p, String slot, CopyProgress progress) {
        cleanups.add(() -> {
            try {
                SnapshotCopier.dropSlotAndPublication(p.source(), slot, slot);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        return new SnapshotCopier(p.source(), p.target(), slot, slot, 2, progress).withMinChunkRows(10_000_000);
    }

    @Test
    void aLoadedTablesIndexIsBuiltWhileAnotherTableStillCopies() throws Exception {
        PgServers.Pair p = schema("pipe_overlap", 30_000);
        AtomicBoolean builtWhileCopying = new AtomicBoolean();
        CopyProgress holdChildren = new CopyProgress() {
            @Override
            public void rowsCopied(String table, long delta) {
                // children's copy waits, mid-stream and uncommitted, for parents' index to appear
                long until = System.nanoTime() + 30_000_000_000L;
                while (table.equals("children") && !builtWhileCopying.get() && System.nanoTime() < until) {
                    builtWhileCopying.set(Db.count(p.target(), "SELECT count(*) FROM pg_indexes WHERE indexname = 'parents_code_idx'") == 1);
                    sleep(50);
                }
            }
        };
        SnapshotResult r = copier(p, "pipe_overlap", holdChildren).copy(Db.plan(p, null, List.of()));

        assertTrue(builtWhileCopying.get(), "parents' index was built while children still copied");
        assertEquals(30_000L, r.rowsPerTargetTable().get("children"));
        assertEquals(List.of("children_parent_idx", "children_pkey", "parents_code_idx", "parents_pkey"), Db.rows(p.target(),
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"));
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM imago_meta.deferred_indexes"));
    }

    @Test
    void aForeignKeyIsBuiltOnlyOnceBothItsTablesAreLoadedAndIndexed() throws Exception {
        PgServers.Pair p = schema("pipe_fk", 30_000);
        List<String> events = new CopyOnWriteArrayList<>();
        CopyProgress spy = new CopyProgress() {
            @Override
            public void rowsCopied(String table, long delta) {
                if (table.equals("children")) {
                    sleep(500); // children loads last, well after parents is indexed
                }
            }

            @Override
            public void tableDone(String table, long rows) {
                events.add("loaded " + table);
            }

            @Override
            public void indexBuilt(String table, String name) {
                events.add("built " + name);
            }
        };
        copier(p, "pipe_fk", spy).copy(Db.plan(p, null, List.of()));

        int fk = events.indexOf("built children_parent_fkey");
        assertTrue(fk >= 0, events.toString());
        for (String before : List.of("loaded parents", "loaded children", "built parents_pkey", "built public.parents_code_idx",
                "built children_pkey", "built public.children_parent_idx")) {
            assertTrue(events.indexOf(before) >= 0 && events.indexOf(before) < fk, before + " before the foreign key: " + events);
        }
        // parents' own builds did not wait for children's rows
        assertTrue(events.indexOf("built parents_pkey") < events.indexOf("loaded children"), events.toString());
        assertEquals(List.of("children_parent_fkey|t"), Db.rows(p.target(), "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f'"));
    }

    @Test
    void aFailedIndexBuildStopsTheCopyAndIsTheErrorReported() throws Exception {
        PgServers.Pair p = schema("pipe_fail", 200_000);
        // the new schema makes parents' codes unique, which the old rows are not
        Db.exec(p.target(), "CREATE UNIQUE INDEX parents_code_key ON parents (code)");
        CopyProgress slowChildren = new CopyProgress() {
            @Override
            public void rowsCopied(String table, long delta) {
                if (table.equals("children")) {
                    sleep(200); // 20 batches: several seconds, while parents' build fails at once
                }
            }
        };
        SQLException e = assertThrows(SQLException.class, () -> copier(p, "pipe_fail", slowChildren).copy(Db.plan(p, null, List.of())));

        assertEquals("23505", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("parents_code_key"), e.getMessage());
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM children"), "children's copy was stopped, not finished");
        // what was not built stays recorded for the re-run
        assertTrue(Db.count(p.target(), "SELECT count(*) FROM imago_meta.deferred_indexes WHERE table_name = 'children'") >= 2);
    }

    @Test
    void aTableCopiedInOnePieceIsLoadedFrozenAndASplitOneIsNot() throws Exception {
        PgServers.Pair p = schema("pipe_freeze", 30_000);
        // children splits into key ranges loaded by several transactions: no FREEZE there
        cleanups.add(() -> dropQuietly(p, "pipe_freeze"));
        new SnapshotCopier(p.source(), p.target(), "pipe_freeze", "pipe_freeze", 2, CopyProgress.NONE).withMinChunkRows(5_000)
                .copy(Db.plan(p, null, List.of()));

        // Frozen rows come with the visibility map's all-visible bits, which ANALYZE counts into relallvisible.
        assertEquals(List.of("children|f", "parents|t"), Db.rows(p.target(),
                "SELECT relname, relallvisible > 0 AND relallvisible = relpages FROM pg_class WHERE relname IN ('parents', 'children') ORDER BY 1"));
        assertEquals(List.of("1000|30000"), Db.rows(p.target(), "SELECT (SELECT count(*) FROM parents), (SELECT count(*) FROM children)"));
    }

    @Test
    void aTableSmallBesideTheWholeCopyLoadsInOnePieceToBeFrozenEvenWhereItCouldBeSplit() throws Exception {
        PgServers.Pair p = schema("pipe_whole", 30_000);
        Db.exec(p.source(), "CREATE TABLE big (id bigint PRIMARY KEY, v text)", "INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 200000) g", "ANALYZE");
        Db.exec(p.target(), "CREATE TABLE big (id bigint PRIMARY KEY, v text)");
        RecordingProgress progress = new RecordingProgress();
        cleanups.add(() -> dropQuietly(p, "pipe_whole"));
        // 5,000-row chunks allowed: children (30,000 of 231,000 rows, under half a worker's share) still loads whole
        new SnapshotCopier(p.source(), p.target(), "pipe_whole", "pipe_whole", 2, progress).withMinChunkRows(5_000)
                .copy(Db.plan(p, null, List.of()));

        assertEquals(List.of("big|f", "children|t", "parents|t"), Db.rows(p.target(),
                "SELECT relname, relallvisible > 0 FROM pg_class WHERE relname IN ('parents', 'children', 'big') ORDER BY 1"));
        assertEquals(List.of("200000|30000"), Db.rows(p.target(), "SELECT (SELECT count(*) FROM big), (SELECT count(*) FROM children)"));
    }

    @Test
    void aPartitionedTargetIsLoadedWithoutFreezeWhichItRefuses() throws Exception {
        PgServers.Pair p = PgServers.fresh("pipe_nofreeze");
        Db.exec(p.source(), "CREATE TABLE parents (id int PRIMARY KEY, code text NOT NULL)",
                "INSERT INTO parents SELECT g, 'c' || g FROM generate_series(1, 1000) g", "ANALYZE");
        Db.exec(p.target(), "CREATE TABLE parents (id int PRIMARY KEY, code text NOT NULL) PARTITION BY HASH (id)",
                "CREATE TABLE parents_0 PARTITION OF parents FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
                "CREATE TABLE parents_1 PARTITION OF parents FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
        try (java.sql.Connection c = p.target().connect()) {
            assertEquals(java.util.Set.of(), TableCopy.freezable(c, List.of("parents")));
        }
        copier(p, "pipe_nofreeze", CopyProgress.NONE).copy(Db.plan(p, null, List.of()));

        assertEquals(List.of("1000"), Db.rows(p.target(), "SELECT count(*) FROM parents"));
    }

    private static void dropQuietly(PgServers.Pair p, String slot) {
        try {
            SnapshotCopier.dropSlotAndPublication(p.source(), slot, slot);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
