package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The data checks evaluate the blueprint's expressions on the target only, read the source in READ ONLY
 * transactions with catalog names alone, and refuse text that is not one expression: whatever a transform says,
 * neither database changes.
 */
class DataChecksTest {
    private static final String ORDERS = "(id int PRIMARY KEY, status text NOT NULL, amount numeric(10,2) NOT NULL)";

    private static PgServers.Pair orders(String name) {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(), "CREATE TABLE orders " + ORDERS,
                "INSERT INTO orders SELECT g, CASE WHEN g % 5 = 0 THEN 'void' ELSE 'paid' END, g * 1.5 FROM generate_series(1, 1000) g",
                // Were the source ever to evaluate a blueprint's expression, these would say so (or wipe production).
                "CREATE FUNCTION keep(s text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'evaluated on the SOURCE'; END $$",
                "CREATE FUNCTION wipe() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN DELETE FROM orders; RETURN true; END $$");
        Db.exec(p.target(), "CREATE TABLE purchases (id int PRIMARY KEY, status text NOT NULL, amount numeric(10,2) NOT NULL, label text)",
                "CREATE FUNCTION keep(s text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT s <> 'void' $$",
                "CREATE FUNCTION label(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(s) $$",
                "CREATE FUNCTION wipe() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN DELETE FROM purchases; RETURN true; END $$");
        return p;
    }

    private static final TableTransform PURCHASES = TableTransform.of("orders").renameTo("purchases").withWhere("keep(status)")
            .addColumn("label", "label(status)");

    /** Data and catalog of schema public: what a check must leave as it found it. */
    private static List<String> fingerprint(PgEndpoint db, String table) {
        return List.of(Db.rows(db, "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM " + table + " t").get(0),
                Db.rows(db, "SELECT md5(string_agg(relname || ':' || relkind::text, ',' ORDER BY relname)) FROM pg_class "
                        + "WHERE relnamespace = 'public'::regnamespace").get(0),
                Db.rows(db, "SELECT md5(string_agg(proname || prosrc, ',' ORDER BY proname)) FROM pg_proc "
                        + "WHERE pronamespace = 'public'::regnamespace").get(0));
    }

    private static TableMigration with(TableMigration m, String where, String labelExpression) {
        List<ColumnMapping> cols = m.columns().stream()
                .map(c -> c.isExpression() ? new ColumnMapping(c.targetColumn(), c.targetType(), null, labelExpression) : c).toList();
        return new TableMigration(m.sourceTable(), m.targetTable(), m.sourceColumns(), m.primaryKey(), cols, where, m.replicaIdentityFull(),
                m.sourceIsPartitioned(), m.estimatedRows());
    }

    /**
     * What the bulk copy would load (the tests here need no slot: the test servers have few): the converted rows,
     * written by hand.
     */
    private static void load(PgServers.Pair p) {
        Db.exec(p.target(), "INSERT INTO purchases SELECT g, 'paid', g * 1.5, 'PAID' FROM generate_series(1, 1000) g WHERE g % 5 <> 0");
    }

    @Test
    void expressionsAreEvaluatedByTheTargetOnly() throws Exception {
        PgServers.Pair p = orders("checks_target_only");
        List<TableMigration> plan = Db.plan(p, List.of("orders"), List.of(PURCHASES));
        load(p);
        TableMigration m = plan.get(0);
        assertEquals(800, Db.count(p.target(), "SELECT count(*) FROM purchases"));
        List<String> source = fingerprint(p.source(), "orders");

        try (ConsistentCut cut = ConsistentCut.take(p.source(), p.target(), List.of(), null, Duration.ofSeconds(2))) {
            // keep() raises on the source: a count or checksum that succeeds was computed by the target.
            DataChecks.RowCount count = DataChecks.rowCount(cut, m);
            assertEquals(new DataChecks.RowCount("orders", "purchases", 800, 800), count);
            DataChecks.Checksum sum = DataChecks.checksum(cut, m, 5);
            assertTrue(sum.matches(), sum.toString());
            assertEquals(800, sum.sourceRows());

            Db.exec(p.target(), "UPDATE purchases SET label = 'x' WHERE id = 7", "DELETE FROM purchases WHERE id = 8");
            // The cut still sees the target as it was...
            assertTrue(DataChecks.checksum(cut, m, 5).matches());
        }
        // ...a new one sees the difference, and names the keys.
        try (ConsistentCut cut = ConsistentCut.take(p.source(), p.target(), List.of(), null, Duration.ofSeconds(2))) {
            DataChecks.Checksum sum = DataChecks.checksum(cut, m, 5);
            assertFalse(sum.matches());
            assertEquals(List.of("(7) (different values)", "(8) (missing on the target)"), sum.differingKeys());
            assertEquals(799, DataChecks.rowCount(cut, m).targetRows());
        }
        assertEquals(source, fingerprint(p.source(), "orders"));
    }

    @Test
    void textThatIsNotOneExpressionIsRefusedBeforeReachingEitherDatabase() throws Exception {
        PgServers.Pair p = orders("checks_hostile");
        List<TableMigration> plan = Db.plan(p, List.of("orders"), List.of(PURCHASES));
        load(p);
        TableMigration good = plan.get(0);
        List<String> source = fingerprint(p.source(), "orders");
        List<String> target = fingerprint(p.target(), "purchases");
        String[] hostile = {
            "true); DELETE FROM orders; SELECT (1",
            "true) OR (SELECT pg_terminate_backend(pg_backend_pid())) IS NULL OR (true",
            "true) OR (SELECT wipe()) OR (true",
        };
        for (String where : hostile) {
            MigrationPlanException refused = assertThrows(MigrationPlanException.class,
                    () -> Db.plan(p, List.of("orders"), List.of(TableTransform.of("orders").renameTo("purchases").withWhere(where)
                            .addColumn("label", "label(status)"))));
            assertTrue(refused.problems().get(0).startsWith("the where of 'orders' "), refused.problems().toString());
            try (ConsistentCut cut = ConsistentCut.take(p.source(), p.target(), List.of(), null, Duration.ofSeconds(2))) {
                TableMigration m = with(good, where, "label(status)");
                assertThrows(IllegalArgumentException.class, () -> DataChecks.rowCount(cut, m));
                assertThrows(IllegalArgumentException.class, () -> DataChecks.checksum(cut, m, 5));
            }
        }
        String expression = "'x'); DELETE FROM purchases; SELECT ('x'";
        MigrationPlanException refused = assertThrows(MigrationPlanException.class, () -> Db.plan(p, List.of("orders"),
                List.of(TableTransform.of("orders").renameTo("purchases").withWhere("keep(status)").addColumn("label", expression))));
        assertTrue(refused.problems().get(0).startsWith("the expression of column 'label' added to 'purchases' "), refused.problems().toString());
        try (ConsistentCut cut = ConsistentCut.take(p.source(), p.target(), List.of(), null, Duration.ofSeconds(2))) {
            assertThrows(IllegalArgumentException.class, () -> DataChecks.checksum(cut, with(good, "keep(status)", expression), 5));
        }
        assertEquals(source, fingerprint(p.source(), "orders"));
        assertEquals(target, fingerprint(p.target(), "purchases"));
    }

    @Test
    void anExpressionThatWritesFailsOnTheTargetAndChangesNothing() throws Exception {
        PgServers.Pair p = orders("checks_writes");
        List<TableMigration> plan = Db.plan(p, List.of("orders"), List.of(PURCHASES));
        load(p);
        TableMigration good = plan.get(0);
        List<String> source = fingerprint(p.source(), "orders");
        List<String> target = fingerprint(p.target(), "purchases");
        // One expression each, so they pass the planner's check; wipe() deletes every row of the database it runs on.
        TableMigration wipingWhere = with(good, "wipe()", "label(status)");
        TableMigration wipingColumn = with(good, "keep(status)", "CASE WHEN wipe() THEN 'w' END");
        try (ConsistentCut cut = ConsistentCut.take(p.source(), p.target(), List.of(), null, Duration.ofSeconds(2))) {
            for (SqlCall call : List.<SqlCall>of(() -> DataChecks.rowCount(cut, wipingWhere), () -> DataChecks.checksum(cut, wipingWhere, 5),
                    () -> DataChecks.checksum(cut, wipingColumn, 5))) {
                SQLException e = assertThrows(SQLException.class, call::run);
                // The target refused it (its transaction is read only); the source never saw it (keep() and wipe() there differ).
                assertTrue(e.getMessage().contains("read-only transaction"), e.getMessage());
            }
        }
        assertEquals(source, fingerprint(p.source(), "orders"));
        assertEquals(target, fingerprint(p.target(), "purchases"));
    }

    interface SqlCall {
        void run() throws Exception;
    }

    @Test
    void expressionsTheScannerMustLetThrough() {
        for (String ok : List.of("status <> 'void'", "split_part(email, '@', 2)", "note <> 'a;b)'", "\"odd;name\" IS NULL",
                "E'it\\'s;' <> x", "$$;)$$ <> x", "$tag$ ; $tag$ <> x", "a /* ; ( */ > 1", "coalesce(a, (b + 1))", "$1 + 2")) {
            assertEquals(java.util.Optional.empty(), Expressions.problem(ok), ok);
        }
        for (String bad : List.of("1; DROP TABLE t", "true) OR (true", "(true", "x -- )", "'open", "a /* ) ", "")) {
            assertTrue(Expressions.problem(bad).isPresent(), bad);
        }
    }
}
