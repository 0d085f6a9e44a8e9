package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceHandoverTest {
    @Test
    void theTargetsSequencesAreSetAheadBeforeThePauseSoThatInsideItNothingMoves() throws Exception {
        PgServers.Pair p = PgServers.fresh("seq_handover");
        Db.exec(p.source(),
                "CREATE TABLE orders (order_no serial PRIMARY KEY, status text)",
                "INSERT INTO orders (status) SELECT CASE WHEN g > 7 THEN 'void' ELSE 'open' END FROM generate_series(1, 10) g");
        Db.exec(p.target(), "CREATE TABLE purchase_orders (id serial PRIMARY KEY, status text)",
                "CREATE TABLE notes (id serial PRIMARY KEY, body text)"); // new in the target: no source column to follow
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("orders").renameTo("purchase_orders")
                .renameColumn("order_no", "id").withWhere("status <> 'void'")));
        Db.exec(p.target(), "INSERT INTO purchase_orders SELECT g, 'open' FROM generate_series(1, 7) g");

        try (Connection s = p.source().connect(); Connection t = p.target().connect()) {
            SequenceHandover h = SequenceHandover.prepare(s, t, plan, 1000);
            Db.exec(p.source(), "INSERT INTO orders (status) SELECT 'open' FROM generate_series(1, 50)"); // writes until the fence
            try (SessionFence f = SessionFence.acquire(p.source().connect(), List.of("orders"), h.sourceSequences(), Duration.ofSeconds(5))) {
                assertEquals(java.util.Map.of("orders_order_no_seq", 60L), f.sequenceValues(), "read with the fence");
                assertEquals(java.util.Map.of(), h.verify(f.sequenceValues(), t), "within the margin: nothing to move inside the pause");
            }
        }
        assertEquals(1011, Db.count(p.target(), "SELECT nextval('purchase_orders_id_seq')"), "10 handed out on the source + 1000");
        assertEquals(1, Db.count(p.target(), "SELECT nextval('notes_id_seq')"), "a sequence with nothing to follow is left alone");
    }

    /** A source sequence not yet used when the pause was prepared may hand out values before the fence. */
    @Test
    void aSourceSequenceFirstUsedAfterThePreparationIsFollowedToo() throws Exception {
        PgServers.Pair p = PgServers.fresh("seq_handover_unused");
        Db.exec(p.source(), "CREATE TABLE orders (id serial PRIMARY KEY, status text)");
        Db.exec(p.target(), "CREATE TABLE orders (id serial PRIMARY KEY, status text)");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        try (Connection t = p.target().connect(); Connection s = p.source().connect()) {
            SequenceHandover h = SequenceHandover.prepare(s, t, plan, 5);
            assertEquals(List.of("orders_id_seq"), h.sourceSequences());
            Db.exec(p.source(), "INSERT INTO orders (status) SELECT 'x' FROM generate_series(1, 30)");
            try (SessionFence f = SessionFence.acquire(p.source().connect(), List.of("orders"), h.sourceSequences(), Duration.ofSeconds(5))) {
                assertEquals(java.util.Map.of("orders_id_seq", 30L), h.verify(f.sequenceValues(), t));
            }
        }
        assertEquals(31, Db.count(p.target(), "SELECT nextval('orders_id_seq')"));
    }

    @Test
    void aSequenceTheSourceOrTheTargetsKeysOvertookInsideThePauseIsMovedPastThem() throws Exception {
        PgServers.Pair p = PgServers.fresh("seq_handover_short");
        Db.exec(p.source(), "CREATE TABLE orders (id serial PRIMARY KEY, status text)", "INSERT INTO orders (status) VALUES ('a'), ('b')");
        Db.exec(p.target(), "CREATE TABLE orders (id serial PRIMARY KEY, status text)");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        try (Connection s = p.source().connect(); Connection t = p.target().connect()) {
            SequenceHandover h = SequenceHandover.prepare(s, t, plan, 5);
            Db.exec(p.source(), "INSERT INTO orders (status) SELECT 'x' FROM generate_series(1, 20)"); // 22 handed out, past 2 + 5
            Db.exec(p.target(), "INSERT INTO orders VALUES (40, 'explicit key, shipped')");
            java.util.Map<String, Long> moved;
            try (SessionFence f = SessionFence.acquire(p.source().connect(), List.of("orders"), h.sourceSequences(), Duration.ofSeconds(5))) {
                moved = h.verify(f.sequenceValues(), t);
            }
            assertEquals(1, moved.size());
            assertTrue(moved.values().iterator().next() >= 40);
        }
        assertEquals(41, Db.count(p.target(), "SELECT nextval('orders_id_seq')"));
    }
}
