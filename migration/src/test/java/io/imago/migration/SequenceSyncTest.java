package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceSyncTest {
    @Test
    void theTargetNeverHandsOutAKeyTheSourceAlreadyHandedOutEvenForFilteredRows() throws Exception {
        PgServers.Pair p = PgServers.fresh("seq_carry");
        Db.exec(p.source(),
                "CREATE TABLE orders (order_no serial PRIMARY KEY, status text)",
                "INSERT INTO orders (status) SELECT CASE WHEN g > 7 THEN 'void' ELSE 'open' END FROM generate_series(1, 10) g");
        Db.exec(p.target(), "CREATE TABLE purchase_orders (id serial PRIMARY KEY, status text)");
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("orders").renameTo("purchase_orders")
                .renameColumn("order_no", "id").withWhere("status <> 'void'")));
        Db.exec(p.target(), "INSERT INTO purchase_orders SELECT g, 'open' FROM generate_series(1, 7) g");

        try (Connection s = p.source().connect(); Connection t = p.target().connect()) {
            SequenceSync.advance(t, List.of("purchase_orders"));
            assertEquals(8, Db.count(p.target(), "SELECT nextval('purchase_orders_id_seq')") , "max of the table alone: 8 would collide with a filtered row");
            Db.exec(p.target(), "SELECT setval('purchase_orders_id_seq', 7)");
            assertEquals(1, SequenceSync.carryOver(s, t, plan).size());
            SequenceSync.carryOver(s, t, plan); // idempotent, and never backwards
        }
        assertEquals(11, Db.count(p.target(), "SELECT nextval('purchase_orders_id_seq')"));
    }
}
