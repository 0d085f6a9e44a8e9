package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The fence's lock order, and a fence that the server fails to break a deadlock with a writer. */
class SessionFenceTest {

    @Test
    void tablesAreLockedBeforeTheTablesTheyReference() {
        List<String> order = LiveCatalog.referencingFirst(List.of("customers", "items", "orders", "zones"),
                Map.of("orders", Set.of("customers"), "items", Set.of("orders"), "customers", Set.of("zones")));
        assertEquals(List.of("items", "orders", "customers", "zones"), order);
        List<String> cycle = LiveCatalog.referencingFirst(List.of("a", "b", "c"), Map.of("a", Set.of("b"), "b", Set.of("a")));
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(cycle), "a cycle still locks every table");
    }

    @Test
    void theOrderComesFromTheCatalog() throws Exception {
        PgServers.Pair p = PgServers.fresh("fence_order");
        Db.exec(p.source(), "CREATE TABLE parent (id int PRIMARY KEY)", "CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent)",
                "CREATE TABLE grandchild (id int PRIMARY KEY, child int REFERENCES child)");
        List<String> order = LiveCatalog.publicTables(p.source());
        assertTrue(order.indexOf("grandchild") < order.indexOf("child") && order.indexOf("child") < order.indexOf("parent"), order.toString());
    }

    /** Warming the fence's session holds no lock and leaves no transaction open: writers go on, the fence then works. */
    @Test
    void warmingTheFenceTakesNothingFromWriters() throws Exception {
        PgServers.Pair p = PgServers.fresh("fence_warm");
        Db.exec(p.source(), "CREATE TABLE items (id serial PRIMARY KEY, v text)", "INSERT INTO items (v) VALUES ('a')");
        try (Connection c = p.source().connect()) {
            SessionFence.warm(c, List.of("items"), List.of("items_id_seq"));
            assertEquals(0, Db.count(p.source(), "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    + "WHERE l.locktype = 'relation' AND a.state <> 'active'"), "no lock left behind");
            Db.exec(p.source(), "INSERT INTO items (v) VALUES ('b')");
            try (SessionFence f = SessionFence.acquire(c, List.of("items"), List.of("items_id_seq"), Duration.ofSeconds(5))) {
                assertEquals(Map.of("items_id_seq", 2L), f.sequenceValues());
            }
        }
    }

    /**
     * A writer that updates the parent and then inserts a child, against a fence that holds the child and waits for
     * the parent: a deadlock, which the server breaks by failing the fence. The fence tries again and gets its locks
     * once the writer has committed.
     */
    @Test
    void aFenceFailedToBreakADeadlockTriesAgain() throws Exception {
        PgServers.Pair p = PgServers.fresh("fence_deadlock");
        Db.exec(p.source(), "CREATE TABLE parent (id int PRIMARY KEY, v int)", "CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent)",
                "INSERT INTO parent VALUES (1, 0)");
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        try (Connection w = p.source().connect(); Statement ws = w.createStatement()) {
            w.setAutoCommit(false);
            ws.execute("UPDATE parent SET v = v + 1 WHERE id = 1"); // holds the parent
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(300); // the fence is waiting for the parent by now, holding the child
                    ws.execute("INSERT INTO child VALUES (1, 1)");
                    w.commit();
                } catch (Exception e) {
                    writerFailed.set(e);
                }
            });
            writer.start();
            long t0 = System.nanoTime();
            try (SessionFence fence = SessionFence.acquire(p.source(), List.of("child", "parent"), Duration.ofSeconds(20))) {
                assertTrue(fence.position() != null);
            }
            writer.join(10_000);
            assertTrue((System.nanoTime() - t0) < Duration.ofSeconds(15).toNanos());
        }
        System.out.println("deadlock broken by failing the " + (writerFailed.get() == null ? "fence (it tried again)" : "writer"));
        // Whichever side the server failed, the fence got its locks; a writer it did not fail committed.
        if (writerFailed.get() == null) {
            assertEquals(1, Db.count(p.source(), "SELECT count(*) FROM child"));
        } else {
            assertTrue(PgErrors.deadlock(writerFailed.get()), writerFailed.get().toString());
        }
    }
}
