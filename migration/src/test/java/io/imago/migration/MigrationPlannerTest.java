package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationPlannerTest {

    private static PgServers.Pair shop(String name) {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(),
                "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email varchar(100), legacy_flag boolean)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, status text)",
                "CREATE TABLE sessions (id int PRIMARY KEY, token text)",
                "CREATE TABLE audit_log (at timestamptz, what text)");
        Db.exec(p.target(),
                "CREATE TABLE customers (id serial PRIMARY KEY, full_name text NOT NULL, email varchar(100), email_domain text)",
                "CREATE TABLE purchase_orders (id bigint PRIMARY KEY, customer_id int, status text)",
                "CREATE TABLE audit_log (at timestamptz, what text)");
        return p;
    }

    private static final TableTransform CUSTOMERS = TableTransform.of("customers").renameColumn("name", "full_name")
            .addColumn("email_domain", "split_part(email, '@', 2)").dropColumn("legacy_flag");
    private static final TableTransform ORDERS = TableTransform.of("orders").renameTo("purchase_orders");

    @Test
    void resolvesAllTablesMinusSkipped() {
        PgServers.Pair p = shop("plan_ok");
        List<TableMigration> plan = Db.plan(p, null, List.of(CUSTOMERS, ORDERS, TableTransform.of("sessions").skipped(),
                TableTransform.of("audit_log").withReplicaIdentityFull()));
        assertEquals(List.of("audit_log", "customers", "orders"), plan.stream().map(TableMigration::sourceTable).toList());

        TableMigration c = plan.get(1);
        assertEquals("customers", c.targetTable());
        assertEquals(List.of("id"), c.primaryKey());
        assertEquals(List.of("id", "name", "email", "legacy_flag"), c.sourceColumns().stream().map(SourceColumn::name).toList());
        assertEquals("character varying(100)", c.sourceColumn("email").orElseThrow().type());
        assertEquals(List.of("id", "full_name", "email", "email_domain"), c.columns().stream().map(ColumnMapping::targetColumn).toList());
        assertFalse(c.direct());

        TableMigration o = plan.get(2);
        assertEquals("purchase_orders", o.targetTable());
        assertTrue(o.direct());

        TableMigration a = plan.get(0);
        assertTrue(a.replicaIdentityFull());
        assertEquals(List.of(), a.primaryKey());
    }

    @Test
    void aNamedListLimitsTheTables() {
        PgServers.Pair p = shop("plan_list");
        List<TableMigration> plan = Db.plan(p, List.of("orders"), List.of(CUSTOMERS, ORDERS));
        assertEquals(List.of("purchase_orders"), plan.stream().map(TableMigration::targetTable).toList());
    }

    @Test
    void refusesATableWithoutPrimaryKeyByName() {
        PgServers.Pair p = shop("plan_nopk");
        MigrationPlanException e = assertThrows(MigrationPlanException.class,
                () -> Db.plan(p, List.of("audit_log"), List.of()));
        assertEquals(List.of("table 'audit_log' has no primary key: add one or set replicaIdentity: full on its transform"), e.problems());
    }

    @Test
    void refusesATransformNamingAMissingColumn() {
        PgServers.Pair p = shop("plan_nocol");
        TableTransform typo = TableTransform.of("customers").renameColumn("nme", "full_name")
                .addColumn("email_domain", "split_part(email, '@', 2)").dropColumn("legacy_flag");
        MigrationPlanException e = assertThrows(MigrationPlanException.class,
                () -> Db.plan(p, List.of("customers"), List.of(typo)));
        assertTrue(e.problems().contains("the transform of 'customers' renames column 'nme', which does not exist in source table "
                + "'customers' (did you mean 'name'?)"), e.problems().toString());
    }

    @Test
    void collectsEveryProblemAtOnce() {
        PgServers.Pair p = shop("plan_all");
        List<TableTransform> transforms = List.of(
                TableTransform.of("customers").dropColumn("legacy_flg").addColumn("email_domian", "split_part(email, '@', 2)"),
                TableTransform.of("orders"), // not renamed: there is no target table 'orders'
                TableTransform.of("custmers").skipped());
        MigrationPlanException e = assertThrows(MigrationPlanException.class,
                () -> Db.plan(p, List.of("customers", "orders", "audit_log", "invoices"), transforms));
        List<String> problems = e.problems();
        assertTrue(problems.contains("a transform names table 'custmers', which does not exist in the source database (schema public)"
                + " (did you mean 'customers'?)"), problems.toString());
        assertTrue(problems.contains("table 'invoices' does not exist in the source database (schema public)"), problems.toString());
        assertTrue(problems.contains("the transform of 'customers' drops column 'legacy_flg', which does not exist in source table"
                + " 'customers' (did you mean 'legacy_flag'?)"), problems.toString());
        assertTrue(problems.contains("column 'name' of source table 'customers' does not exist in target table 'customers'"
                + ": drop or rename it in the transform"), problems.toString());
        assertTrue(problems.contains("column 'email_domian' added by the transform of 'customers' does not exist in target table"
                + " 'customers' (did you mean 'email_domain'?)"), problems.toString());
        assertTrue(problems.contains("target column 'customers.full_name' is NOT NULL without a default and nothing fills it:"
                + " add it with addColumns"), problems.toString());
        assertTrue(problems.contains("target table 'orders' does not exist in the target database (schema public)"), problems.toString());
        assertTrue(problems.contains("table 'audit_log' has no primary key: add one or set replicaIdentity: full on its transform"),
                problems.toString());
        assertEquals(9, problems.size(), problems.toString());
    }

    @Test
    void theTargetChecksExpressionsWhenPlanning() {
        PgServers.Pair p = shop("plan_expr");
        TableTransform bad = CUSTOMERS.withWhere("no_such_column > 1");
        MigrationPlanException e = assertThrows(MigrationPlanException.class,
                () -> Db.plan(p, List.of("customers"), List.of(bad)));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("the target cannot convert the rows of 'customers'"), e.problems().get(0));
        assertTrue(e.problems().get(0).contains("no_such_column"), e.problems().get(0));
    }

    @Test
    void refusesDroppingThePrimaryKey() {
        PgServers.Pair p = shop("plan_dropkey");
        Db.exec(p.target(), "ALTER TABLE purchase_orders DROP COLUMN id");
        MigrationPlanException e = assertThrows(MigrationPlanException.class,
                () -> Db.plan(p, List.of("orders"), List.of(ORDERS.dropColumn("id"))));
        assertEquals(List.of("the transform of 'orders' drops primary key column 'id': changes to the row could not be applied to the target"),
                e.problems());
    }
}
