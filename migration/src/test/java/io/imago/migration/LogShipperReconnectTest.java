package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipper outlives a restart of either server and a dropped connection, gives up with the real cause once
 * its budget is spent, and stops in bounded time with a frozen source. Runs on two servers of its own, so
 * restarting and freezing them disturbs no other test.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LogShipperReconnectTest {
    private static final int TRANSACTIONS = 600;
    private static RestartablePg sourceServer;
    private static RestartablePg targetServer;

    @BeforeAll
    static void servers() {
        sourceServer = new RestartablePg();
        targetServer = new RestartablePg();
    }

    @AfterAll
    static void stopServers() throws Exception {
        try {
            if (sourceServer != null) {
                sourceServer.close();
            }
        } finally {
            if (targetServer != null) {
                targetServer.close();
            }
        }
    }

    /**
     * The target server stops and starts again (same port) while a writer keeps committing on the source; a
     * drain begun while the target is down keeps waiting through the reconnect and ends once it is passed.
     */
    @Test
    void survivesATargetRestart() throws Exception {
        shipThrough("rc_target", (p, shipper) -> {
            targetServer.stop();
            Lsn fence = Shipping.fence(p.source());
            AtomicReference<Object> drained = new AtomicReference<>();
            Thread drain = new Thread(() -> {
                try {
                    drained.set(shipper.drainTo(fence, Duration.ofSeconds(60)));
                } catch (RuntimeException e) {
                    drained.set(e);
                }
            });
            drain.start();
            Thread.sleep(1500); // down long enough for a few failed attempts
            assertTrue(drain.isAlive(), "the drain waits while the target is down: " + drained.get());
            targetServer.start();
            drain.join(70_000);
            assertEquals(Boolean.TRUE, drained.get(), "drained past " + fence + " after the reconnect");
        });
    }

    /**
     * The target crashes (immediate shutdown) while shipping: its newest asynchronous commits may be lost, with
     * their position record. The slot must not have been told a position past them, or the next session could
     * not get those changes again: then the target would lack them at the end (shipThrough compares it with
     * the source: nothing lost, nothing doubled). The slot may be confirmed a little past the surviving record
     * (source transactions that touched no migrated table, keepalives: nothing to apply there).
     */
    @Test
    void survivesATargetCrashThatLosesItsNewestCommits() throws Exception {
        shipThrough("rc_crash", (p, shipper) -> {
            targetServer.crash();
            Lsn confirmed = Lsn.parse(Shipping.slotConfirmed(p.source(), "rc_crash"));
            targetServer.start();
            Lsn survived = LogShipper.appliedPosition(p.target(), "rc_crash").orElseThrow();
            System.out.printf("target crash: slot confirmed %s, the restarted target recorded %s%n", confirmed, survived);
        });
    }

    /**
     * The source server stops and starts again: the walsender and the writer's session end with it, the slot
     * survives (a clean stop flushes it), the shipper resumes from the position recorded on the target.
     */
    @Test
    void survivesASourceRestart() throws Exception {
        shipThrough("rc_source", (p, shipper) -> {
            sourceServer.stop();
            Thread.sleep(1500);
            sourceServer.start();
        });
    }

    /** The source drops the shipper's sessions (walsender and the target's apply session), servers up throughout. */
    @Test
    void survivesDroppedConnections() throws Exception {
        shipThrough("rc_drop", (p, shipper) -> {
            Db.exec(p.source(), "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'rc_drop'");
            awaitReconnects(shipper, 1);
            waitApplied(shipper, shipper.transactionsApplied() + 5);
            Db.exec(p.target(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND application_name = 'imago-migration' AND pid <> pg_backend_pid()");
            awaitReconnects(shipper, 2);
        });
    }

    /** Down longer than the budget: the shipper fails within budget + a few seconds, naming the real cause. */
    @Test
    void givesUpWhenTheBudgetIsSpent() throws Exception {
        PgServers.Pair p = pair("rc_budget");
        Db.exec(p.source(), "CREATE TABLE t (id int PRIMARY KEY, v int)");
        Db.exec(p.target(), "CREATE TABLE t (id int PRIMARY KEY, v int)");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult snap = Shipping.copy(p, "rc_budget", plan);
        Duration budget = Duration.ofSeconds(3);
        List<String> heard = new CopyOnWriteArrayList<>();
        LogShipper shipper = new LogShipper(p.source(), p.target(), "rc_budget", "rc_budget_pub", plan).reconnectFor(budget).onReconnect(heard::add);
        shipper.start(snap.consistentPoint());
        try {
            Db.exec(p.source(), "INSERT INTO t VALUES (1, 1)");
            Shipping.drain(shipper, p.source());
            sourceServer.stop();
            long down = System.nanoTime();
            Shipping.awaitStopped(shipper, budget.plusSeconds(10));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down);
            Throwable f = shipper.failure().orElseThrow();
            assertTrue(tookMillis <= budget.toMillis() + 5_000, "failed " + tookMillis + " ms after the source went down");
            assertTrue(f.getMessage().contains("could not reconnect within 3000 ms"), f.getMessage());
            assertTrue(PgErrors.connectionLost(f), "the cause chain holds the connection error: " + f);
            assertTrue(f.getCause() != null && f.getCause() != f);
            assertTrue(heard.size() >= 2, "attempts reported: " + heard);
            assertTrue(heard.get(heard.size() - 1).startsWith("reconnecting to the source (attempt "), heard.toString());
            assertEquals(0, shipper.reconnects());
            System.out.printf("budget: gave up %d ms after the source went down: %s%n  heard: %s%n", tookMillis, f.getMessage(), heard);
        } finally {
            shipper.stop();
            sourceServer.start();
        }
    }

    /** stop() returns in bounded time while the source is frozen (SIGSTOP), even with a lag() call stuck on it. */
    @Test
    void stopsInBoundedTimeWithAFrozenSource() throws Exception {
        PgServers.Pair p = pair("rc_frozen");
        Db.exec(p.source(), "CREATE TABLE t (id int PRIMARY KEY, v int)");
        Db.exec(p.target(), "CREATE TABLE t (id int PRIMARY KEY, v int)");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult snap = Shipping.copy(p, "rc_frozen", plan);
        LogShipper shipper = Shipping.start(p, "rc_frozen", plan, snap.consistentPoint());
        Thread lagCaller = null;
        try {
            Db.exec(p.source(), "INSERT INTO t VALUES (1, 1)");
            Shipping.drain(shipper, p.source());
            shipper.lag(); // its connection is open when the source freezes
            sourceServer.freeze(true);
            lagCaller = new Thread(() -> {
                try {
                    shipper.lag();
                } catch (Exception expected) {
                    // the connection is pulled, or times out
                }
            });
            lagCaller.start();
            Thread.sleep(300); // lag() is now waiting on the frozen source
            long t0 = System.nanoTime();
            shipper.stop();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("frozen source: stop() took %d ms%n", tookMillis);
            assertTrue(tookMillis < 40_000, "stop() took " + tookMillis + " ms");
        } finally {
            sourceServer.freeze(false);
            shipper.stop();
            if (lagCaller != null) {
                lagCaller.join(30_000);
            }
        }
    }

    interface Disturbance {
        void apply(PgServers.Pair p, LogShipper shipper) throws Exception;
    }

    /**
     * Copies, ships while a writer commits {@value #TRANSACTIONS} transactions, disturbs once some are
     * applied, and checks the target equals the source: counters add up (nothing lost) and the key-less
     * events table holds no duplicate (nothing applied twice).
     */
    private static void shipThrough(String name, Disturbance disturbance) throws Exception {
        PgServers.Pair p = pair(name);
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE counters (id int PRIMARY KEY, v bigint NOT NULL)", "CREATE TABLE events (seq int, txn int, note text)");
        }
        Db.exec(p.source(), "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 20) g");
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("events").withReplicaIdentityFull()));
        SnapshotResult snap = Shipping.copy(p, name, plan);

        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        AtomicBoolean writerDone = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try {
                write(p.source());
            } catch (Throwable e) {
                writerFailed.set(e);
            } finally {
                writerDone.set(true);
            }
        }, "writer-" + name);
        List<String> heard = new CopyOnWriteArrayList<>();
        LogShipper shipper = new LogShipper(p.source(), p.target(), name, name + "_pub", plan).onReconnect(heard::add);
        shipper.start(snap.consistentPoint());
        writer.start();
        try {
            waitApplied(shipper, 40);
            disturbance.apply(p, shipper);
            writer.join(180_000);
            assertTrue(writerDone.get(), "writer finished");
            assertNull(writerFailed.get());
            Shipping.drain(shipper, p.source());
            assertTrue(shipper.isRunning(), "still shipping: " + shipper.failure());
            assertTrue(shipper.reconnects() >= 1, "reconnected: " + shipper.reconnects());
            assertTrue(shipper.lastReconnectReason().orElseThrow().startsWith("reconnected after "), heard.toString());
            assertEquals(Db.rows(p.source(), "SELECT * FROM counters ORDER BY id"), Db.rows(p.target(), "SELECT * FROM counters ORDER BY id"));
            assertEquals(11L * TRANSACTIONS, Db.count(p.target(), "SELECT sum(v) FROM counters"));
            assertEquals(Db.rows(p.source(), "SELECT seq, txn, note FROM events ORDER BY seq"),
                    Db.rows(p.target(), "SELECT seq, txn, note FROM events ORDER BY seq"));
            assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM (SELECT seq FROM events GROUP BY seq HAVING count(*) > 1) d"));
            System.out.printf("%s: %d reconnects, %d transactions applied; heard %s%n", name, shipper.reconnects(), shipper.transactionsApplied(),
                    heard);
        } finally {
            shipper.stop();
            writer.join(60_000);
        }
        assertFalse(shipper.isRunning());
    }

    /**
     * {@value #TRANSACTIONS} transactions, each adding 11 to the counters and inserting 3 events. Survives its
     * own connection's loss: a transaction whose commit it did not hear of is retried only if its events are
     * not there (so none is lost or doubled).
     */
    private static void write(PgEndpoint source) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        int t = 0;
        while (t < TRANSACTIONS) {
            try (Connection c = source.connect(); Statement st = c.createStatement()) {
                if (committed(st, t)) {
                    t++;
                    continue;
                }
                c.setAutoCommit(false);
                for (; t < TRANSACTIONS; t++) {
                    st.execute("UPDATE counters SET v = v + 1 WHERE id = " + (1 + t % 20));
                    st.execute("UPDATE counters SET v = v + 10 WHERE id = " + (1 + (t * 7) % 20));
                    st.execute("INSERT INTO events SELECT " + t + " * 3 + k, " + t + ", 'e' || k FROM generate_series(0, 2) k");
                    if (t % 50 == 0) {
                        st.execute("UPDATE events SET note = 'x' WHERE seq = " + (t * 3 - 1)); // a key-less row updated by its values
                    }
                    c.commit();
                    Thread.sleep(4);
                }
            } catch (SQLException e) {
                if (!PgErrors.connectionLost(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200); // the source is restarting
            }
        }
    }

    private static boolean committed(Statement st, int t) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM events WHERE txn = " + t)) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    private static PgServers.Pair pair(String name) {
        return new PgServers.Pair(sourceServer.database(name), targetServer.database(name));
    }

    private static void waitApplied(LogShipper shipper, long transactions) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (shipper.transactionsApplied() < transactions && System.nanoTime() < deadline) {
            assertTrue(shipper.isRunning(), "shipping: " + shipper.failure());
            Thread.sleep(5);
        }
        assertTrue(shipper.transactionsApplied() >= transactions, "applied " + shipper.transactionsApplied());
    }

    private static void awaitReconnects(LogShipper shipper, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (shipper.reconnects() < n && System.nanoTime() < deadline) {
            assertTrue(shipper.isRunning(), "shipping: " + shipper.failure());
            Thread.sleep(5);
        }
        assertTrue(shipper.reconnects() >= n, "reconnects " + shipper.reconnects());
    }
}
