package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Secondary indexes and constraints are dropped for the load and come back, whatever the moment of a crash. */
class DeferredIndexesTest {
    private static final String SCHEMA = """
            CREATE TABLE parents (id int PRIMARY KEY, code text NOT NULL, CONSTRAINT parents_code_key UNIQUE (code));
            CREATE TABLE children (id bigint PRIMARY KEY, parent int NOT NULL REFERENCES parents, parent_code text REFERENCES parents (code),
                                   email text, amount numeric CHECK (amount >= 0), slot int, CONSTRAINT children_email_slot UNIQUE (email, slot));
            CREATE INDEX children_parent_idx ON children (parent);
            CREATE INDEX children_lower_email ON children (lower(email)) WHERE email IS NOT NULL""";

    /** Every index and constraint definition of the two tables, as the catalog prints them. */
    private static final String DEFINITIONS = """
            SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('parents', 'children')
            UNION ALL
            SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) || ' valid=' || convalidated
            FROM pg_constraint WHERE conrelid IN ('public.parents'::regclass, 'public.children'::regclass)
            ORDER BY 1""";

    private static PgServers.Pair schema(String name) {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(), SCHEMA);
        Db.exec(p.target(), SCHEMA);
        Db.exec(p.source(), "INSERT INTO parents SELECT g, 'c' || g FROM generate_series(1, 1000) g",
                "INSERT INTO children SELECT g, 1 + g % 1000, 'c' || (1 + g % 1000), 'u' || g || '@x', g % 50, g FROM generate_series(1, 30000) g",
                "ANALYZE");
        return p;
    }

    /** Slots are cluster-wide and the test servers have few: each test drops its own. */
    private final List<Runnable> cleanups = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void dropSlots() {
        cleanups.forEach(Runnable::run);
    }

    private SnapshotCopier copier(PgServers.Pair p, String slot, CopyProgress progress) {
        cleanups.add(() -> dropSlot(p, slot, slot));
        return new SnapshotCopier(p.source(), p.target(), slot, slot, 2, progress).withMinChunkRows(5_000);
    }

    @Test
    void indexesAndConstraintsAreDroppedForTheLoadAndRebuiltAfterIt() throws Exception {
        PgServers.Pair p = schema("defer_rebuild");
        List<String> before = Db.rows(p.target(), DEFINITIONS);
        List<String> duringLoad = new java.util.concurrent.CopyOnWriteArrayList<>();
        CopyProgress spy = new CopyProgress() {
            @Override
            public void tableStarted(String table, long estimatedRows) {
                duringLoad.addAll(Db.rows(p.target(), "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'children'"));
            }
        };
        SnapshotResult r = copier(p, "defer_rebuild", spy).copy(Db.plan(p, null, List.of()));

        assertEquals(30000L, r.rowsPerTargetTable().get("children"));
        assertEquals(List.of(), duringLoad);
        assertEquals(before, Db.rows(p.target(), DEFINITIONS));
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM imago_meta.deferred_indexes"));
        // the rebuilt indexes answer queries
        assertEquals(List.of("30"), Db.rows(p.target(), "SELECT count(*) FROM children WHERE parent = 7"));
    }

    @Test
    void aCrashBetweenDropAndRebuildLeavesTheDefinitionsForTheReRun() throws Exception {
        PgServers.Pair p = schema("defer_crash");
        List<String> before = Db.rows(p.target(), DEFINITIONS);
        CopyProgress crash = new CopyProgress() {
            @Override
            public void rowsCopied(String table, long delta) {
                throw new IllegalStateException("simulated kill in the middle of the load");
            }
        };
        List<TableMigration> plan = Db.plan(p, null, List.of());
        assertThrows(IllegalStateException.class, () -> copier(p, "defer_crash", crash).copy(plan));
        // dropped, and recorded in the same transaction
        assertEquals(8, Db.count(p.target(), "SELECT count(*) FROM imago_meta.deferred_indexes"));
        assertEquals(List.of(), Db.rows(p.target(), "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"));

        // The re-run drops nothing more, loses nothing recorded, and rebuilds all.
        copier(p, "defer_crash", CopyProgress.NONE).copy(plan);
        assertEquals(before, Db.rows(p.target(), DEFINITIONS));
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM imago_meta.deferred_indexes"));
    }

    @Test
    void aCrashHalfwayThroughTheRebuildIsFinishedByRestore() throws Exception {
        PgServers.Pair p = schema("defer_half");
        List<String> before = Db.rows(p.target(), DEFINITIONS);
        try (Connection c = p.target().connect()) {
            DeferredIndexes.defer(c, List.of("parents", "children"));
        }
        // as if killed after one index was rebuilt: its row went with it
        Db.exec(p.target(), "CREATE INDEX children_parent_idx ON public.children USING btree (parent)",
                "DELETE FROM imago_meta.deferred_indexes WHERE name = 'public.children_parent_idx'");
        assertEquals(7, SnapshotCopier.restoreDeferredIndexes(p.target(), 2));
        assertEquals(0, SnapshotCopier.restoreDeferredIndexes(p.target(), 2));
        assertEquals(before, Db.rows(p.target(), DEFINITIONS));
    }

    @Test
    void aKillBetweenAddingAForeignKeyNotValidAndCheckingItIsFinishedByRestore() throws Exception {
        PgServers.Pair p = schema("defer_fk_half");
        List<String> before = Db.rows(p.target(), DEFINITIONS);
        try (Connection c = p.target().connect()) {
            DeferredIndexes.defer(c, List.of("parents", "children"));
        }
        // as if killed after the keys and the first half of a foreign key: added NOT VALID, still recorded
        Db.exec(p.target(), "ALTER TABLE parents ADD CONSTRAINT parents_pkey PRIMARY KEY (id)",
                "DELETE FROM imago_meta.deferred_indexes WHERE name = 'parents_pkey'");
        try (Connection c = p.target().connect()) {
            DeferredIndexes.Deferred fk = DeferredIndexes.recorded(c).stream().filter(d -> d.name().equals("children_parent_fkey")).findFirst().orElseThrow();
            assertEquals("parents", fk.references());
            assertTrue(DeferredIndexes.addNotValid(c, fk));
        }
        assertEquals(List.of("f"), Db.rows(p.target(), "SELECT convalidated FROM pg_constraint WHERE conname = 'children_parent_fkey'"));

        SnapshotCopier.restoreDeferredIndexes(p.target(), 2);
        assertEquals(before, Db.rows(p.target(), DEFINITIONS)); // checked: valid=true again
        assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM imago_meta.deferred_indexes"));
    }

    @Test
    void aKeyThatATableOutsideTheCopyReferencesStaysInPlace() throws Exception {
        PgServers.Pair p = schema("defer_outside");
        Db.exec(p.target(), "CREATE TABLE notes (id int PRIMARY KEY, parent int REFERENCES parents)");
        List<String> before = Db.rows(p.target(), DEFINITIONS);
        try (Connection c = p.target().connect()) {
            DeferredIndexes.defer(c, List.of("parents", "children"));
        }
        assertEquals(List.of("parents_pkey"), Db.rows(p.target(), "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
                + "AND tablename IN ('parents', 'children') ORDER BY 1"));
        SnapshotCopier.restoreDeferredIndexes(p.target(), 2);
        assertEquals(before, Db.rows(p.target(), DEFINITIONS));
    }

    @Test
    void aForeignKeyTheLoadedRowsViolateComesBackNotValid() throws Exception {
        PgServers.Pair p = schema("defer_orphans");
        // the filter drops parents that children still reference
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("parents").withWhere("id > 10")));
        copier(p, "defer_orphans", CopyProgress.NONE).copy(plan);
        assertEquals(List.of("children_parent_code_fkey|f", "children_parent_fkey|f"), Db.rows(p.target(),
                "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1"));
        assertThrows(IllegalStateException.class, () -> Db.exec(p.target(), "INSERT INTO children (id, parent) VALUES (0, 5)"));
    }

    private static void dropSlot(PgServers.Pair p, String slot, String publication) {
        try {
            SnapshotCopier.dropSlotAndPublication(p.source(), slot, publication);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
