package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriteFenceTest {
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** A source whose tables the admin owns and an application role may partly write. */
    record Setup(PgEndpoint admin, PgEndpoint app, String role) {
    }

    static Setup setup(String name) {
        PgServers.Pair p = PgServers.fresh(name);
        String role = name + "_app_" + SEQ.incrementAndGet();
        PgEndpoint admin = p.source();
        Db.exec(admin,
                "CREATE ROLE " + role + " LOGIN",
                "CREATE TABLE items (id serial PRIMARY KEY, v text)",
                "CREATE TABLE audit (id serial PRIMARY KEY, v text)",
                "GRANT SELECT, INSERT, UPDATE ON items TO " + role,
                "GRANT USAGE ON SEQUENCE items_id_seq TO " + role,
                "GRANT SELECT ON audit TO " + role,
                "GRANT UPDATE (v) ON audit TO " + role,
                "INSERT INTO audit (v) VALUES ('a')");
        return new Setup(admin, new PgEndpoint(admin.host(), admin.port(), admin.database(), role, ""), role);
    }

    private static void insert(PgEndpoint e, String v) throws SQLException {
        try (Connection c = e.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items (v) VALUES ('" + v + "')");
        }
    }

    @Test
    void afterTheFenceTheAppCannotWriteAndLiftRestoresExactlyWhatItHad() throws Exception {
        Setup s = setup("fence_basic");
        insert(s.app(), "before");
        try (Connection idle = s.app().connect()) { // a pooled connection opened before the fence
            FenceResult r = WriteFence.fence(s.admin(), s.role(), Duration.ofSeconds(1));
            assertNotNull(r.fenceLsn());
            assertEquals(0, r.terminatedSessions());
            assertEquals(List.of(), r.warnings());

            SQLException e = assertThrows(SQLException.class, () -> idle.createStatement().execute("INSERT INTO items (v) VALUES ('pooled')"));
            assertEquals("42501", e.getSQLState(), e.getMessage()); // insufficient_privilege
            assertThrows(SQLException.class, () -> idle.createStatement().execute("UPDATE audit SET v = 'x'"));
            assertThrows(SQLException.class, () -> insert(s.app(), "new session"));
            // even a session that asks for a read-write transaction: the privileges are gone
            assertThrows(IllegalStateException.class, () -> Db.exec(s.app(), "BEGIN READ WRITE", "INSERT INTO items (v) VALUES ('rw')"));
            assertEquals(1, Db.count(s.app(), "SELECT count(*) FROM items")); // reading still works
        }

        WriteFence.lift(s.admin(), s.role());
        insert(s.app(), "after");
        Db.exec(s.app(), "UPDATE audit SET v = 'b'");
        assertEquals(List.of("before", "after"), Db.rows(s.admin(), "SELECT v FROM items ORDER BY id"));
        // exactly the privileges it had: nothing it never had (DELETE, TRUNCATE, INSERT on audit) came with the lift
        assertEquals(List.of("t|t|f|f|f|t"), Db.rows(s.admin(), "SELECT has_table_privilege('" + s.role() + "', 'items', 'INSERT'), "
                + "has_table_privilege('" + s.role() + "', 'items', 'UPDATE'), has_table_privilege('" + s.role() + "', 'items', 'DELETE'), "
                + "has_table_privilege('" + s.role() + "', 'items', 'TRUNCATE'), has_table_privilege('" + s.role() + "', 'audit', 'INSERT'), "
                + "has_column_privilege('" + s.role() + "', 'audit', 'v', 'UPDATE')"));
        assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'imago'"));
    }

    @Test
    void aTransactionThatWroteBeforeTheFenceCannotCommitAfterIt() throws Exception {
        Setup s = setup("fence_inflight");
        try (Connection writer = s.app().connect()) {
            writer.setAutoCommit(false);
            writer.createStatement().execute("INSERT INTO items (v) VALUES ('in flight')"); // holds an xid now
            FenceResult r = WriteFence.fence(s.admin(), s.role(), Duration.ofMillis(300));
            assertEquals(1, r.terminatedSessions());
            assertThrows(SQLException.class, writer::commit);
        }
        assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM items"));
        WriteFence.lift(s.admin(), s.role());
    }

    /** A statement past its privilege check but with no xid yet (still reading) would write after the fence. */
    @Test
    void aStatementRunningAtTheFenceCannotCommitAfterIt() throws Exception {
        Setup s = setup("fence_running");
        CompletableFuture<Void> slow = CompletableFuture.runAsync(() -> Db.exec(s.app(), "INSERT INTO items (v) SELECT 'slow' FROM pg_sleep(3)"));
        while (Db.count(s.admin(), "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + s.role() + "' AND state = 'active'") == 0) {
            Thread.sleep(10);
        }
        FenceResult r = WriteFence.fence(s.admin(), s.role(), Duration.ofMillis(200));
        assertEquals(1, r.terminatedSessions());
        assertThrows(Exception.class, slow::join);
        assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM items"));
        WriteFence.lift(s.admin(), s.role());
    }

    /**
     * A statement blocked by a session fence's table lock has not passed its privilege check yet: the lasting
     * fence need not wait for it nor terminate it; it fails by itself once the lock is gone, and writes nothing.
     */
    @Test
    void aStatementWaitingForTheSessionFenceFailsByItselfAfterIt() throws Exception {
        Setup s = setup("fence_blocked");
        try (SessionFence session = SessionFence.acquire(s.admin(), List.of("items"), Duration.ofSeconds(5))) {
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> Db.exec(s.app(), "INSERT INTO items (v) VALUES ('blocked')"));
            while (Db.count(s.admin(), "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + s.role() + "' AND wait_event = 'relation'") == 0) {
                Thread.sleep(10);
            }
            FenceResult r = WriteFence.fence(s.admin(), s.role(), Duration.ofSeconds(5));
            assertEquals(0, r.terminatedSessions());
            assertTrue(r.took().toMillis() < 2000, "no wait for a statement that cannot write: " + r.took());
            session.release();
            Exception e = assertThrows(Exception.class, blocked::join);
            assertTrue(String.valueOf(e.getCause()).contains("permission denied"), String.valueOf(e.getCause()));
        }
        assertEquals(0, Db.count(s.admin(), "SELECT count(*) FROM items"));
        WriteFence.lift(s.admin(), s.role());
    }

    @Test
    void writersThatFinishInTimeAreNotTerminated() throws Exception {
        Setup s = setup("fence_wait");
        try (Connection writer = s.app().connect()) {
            writer.setAutoCommit(false);
            writer.createStatement().execute("INSERT INTO items (v) VALUES ('finishes')");
            CompletableFuture<FenceResult> fence = CompletableFuture.supplyAsync(() -> {
                try {
                    return WriteFence.fence(s.admin(), s.role(), Duration.ofSeconds(10));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertFalse(fence.isDone()); // waiting for the writer
            writer.commit();
            FenceResult r = fence.join();
            assertEquals(0, r.terminatedSessions());
            assertTrue(r.took().toMillis() >= 250, r.took().toString());
        }
        assertEquals(List.of("finishes"), Db.rows(s.admin(), "SELECT v FROM items"));
        WriteFence.lift(s.admin(), s.role());
    }

    @Test
    void fenceAndLiftAreIdempotent() throws Exception {
        Setup s = setup("fence_twice");
        Lsn first = WriteFence.fence(s.admin(), s.role(), Duration.ofMillis(100)).fenceLsn();
        Lsn second = WriteFence.fence(s.admin(), s.role(), Duration.ofMillis(100)).fenceLsn();
        assertFalse(second.isBefore(first));
        assertThrows(SQLException.class, () -> insert(s.app(), "fenced"));
        WriteFence.lift(s.admin(), s.role());
        WriteFence.lift(s.admin(), s.role());
        insert(s.app(), "lifted");
        assertEquals(List.of("t|f"), Db.rows(s.admin(), "SELECT has_table_privilege('" + s.role() + "', 'items', 'INSERT'), "
                + "has_table_privilege('" + s.role() + "', 'items', 'DELETE')"));
    }

    @Test
    void warnsWhenTheRoleCanStillWriteThroughPublic() throws Exception {
        Setup s = setup("fence_public");
        Db.exec(s.admin(), "GRANT INSERT ON audit TO PUBLIC");
        FenceResult r = WriteFence.fence(s.admin(), s.role(), Duration.ofMillis(100));
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).contains("'audit'"), r.warnings().get(0));
        WriteFence.lift(s.admin(), s.role());
    }
}
