package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReverseMigrationTest {
    /** A migration of customers (rename, derived column, dropped column) and orders (renamed table), then its inverse. */
    private static ReverseMigration.Plan reverse(String name, String legacyFlag, String extraNewTable) throws Exception {
        PgServers.Pair p = PgServers.fresh(name);
        Db.exec(p.source(),
                "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text, legacy_flag " + legacyFlag + ")",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, status text)");
        Db.exec(p.target(),
                "CREATE TABLE customers (id serial PRIMARY KEY, full_name text NOT NULL, email text, email_domain text)",
                "CREATE TABLE purchase_orders (id bigint PRIMARY KEY, customer_id int, status text, note text DEFAULT 'new in v2')");
        if (extraNewTable != null) {
            Db.exec(p.target(), extraNewTable);
        }
        List<TableMigration> forward = Db.plan(p, null, List.of(
                TableTransform.of("customers").renameColumn("name", "full_name").addColumn("email_domain", "split_part(email, '@', 2)")
                        .dropColumn("legacy_flag"),
                TableTransform.of("orders").renameTo("purchase_orders")));
        try (Connection n = p.target().connect(); Connection o = p.source().connect()) {
            return ReverseMigration.resolve(n, o, forward);
        }
    }

    @Test
    void renamesAddedAndDroppedColumnsAllInvert() throws Exception {
        ReverseMigration.Plan plan = reverse("rev_ok", "boolean DEFAULT false", null);
        assertTrue(plan.lossless(), plan.lossy().toString());
        TableMigration c = plan.tables().stream().filter(m -> m.sourceTable().equals("customers")).findFirst().orElseThrow();
        assertEquals("customers", c.targetTable());
        assertEquals(List.of("id", "name", "email"), c.columns().stream().map(ColumnMapping::targetColumn).toList(),
                "full_name goes back to name; email_domain is left out; legacy_flag takes its default");
        TableMigration o = plan.tables().stream().filter(m -> m.sourceTable().equals("purchase_orders")).findFirst().orElseThrow();
        assertEquals("orders", o.targetTable());
        assertEquals(List.of("id", "customer_id", "status"), o.columns().stream().map(ColumnMapping::targetColumn).toList(),
                "a column new in v2 is not shipped back");
    }

    @Test
    void aDroppedNotNullColumnWithoutDefaultAndANewTableAreLossy() throws Exception {
        ReverseMigration.Plan plan = reverse("rev_lossy", "boolean NOT NULL", "CREATE TABLE reviews (id int PRIMARY KEY, body text)");
        assertEquals(List.of("customers", "reviews"), List.copyOf(plan.lossy().keySet()));
        assertTrue(plan.lossy().get("customers").contains("legacy_flag"), plan.lossy().toString());
        assertTrue(plan.lossy().get("reviews").contains("not migrated"), plan.lossy().toString());
        assertEquals(List.of("orders"), plan.tables().stream().map(TableMigration::targetTable).toList(), "orders still ships back");
    }

    @Test
    void theRecordedInverseResolvesAgainLater() throws Exception {
        ReverseMigration.Plan plan = reverse("rev_again", "boolean", null);
        PgServers.Pair p = PgServers.fresh("rev_again_2");
        Db.exec(p.source(), "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text, legacy_flag boolean)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, status text)");
        Db.exec(p.target(), "CREATE TABLE customers (id serial PRIMARY KEY, full_name text NOT NULL, email text, email_domain text)",
                "CREATE TABLE purchase_orders (id bigint PRIMARY KEY, customer_id int, status text, note text)");
        try (Connection n = p.target().connect(); Connection o = p.source().connect()) {
            ReverseMigration.Plan again = ReverseMigration.resolveInverse(n, o, plan.transforms());
            assertTrue(again.lossless(), again.lossy().toString());
            assertEquals(plan.tables().size(), again.tables().size());
        }
    }
}
