package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.migration.PgOutputMessage.Begin;
import io.imago.migration.PgOutputMessage.Commit;
import io.imago.migration.PgOutputMessage.Insert;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Crashes, restarts and what a reader of the target may see meanwhile. */
class LogShipperRestartTest {

    /**
     * A writer keeps committing while shippers die one after the other: in the middle of a source
     * transaction, right after a target commit the server never heard of, and by losing the stream. Each
     * next shipper resumes from the recorded position; at the end the target equals the source: no change
     * lost (counters add up) and none applied twice (the key-less events table would hold duplicates).
     */
    @Test
    void aShipperKilledAnywhereLosesAndDoublesNothing() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_crash");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE counters (id int PRIMARY KEY, v bigint NOT NULL, pad text)",
                    "CREATE TABLE events (seq int, txn int, note text)");
        }
        Db.exec(p.source(), "INSERT INTO counters SELECT g, 0, repeat('p', 50) FROM generate_series(1, 20) g");
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("events").withReplicaIdentityFull()));
        SnapshotResult snap = Shipping.copy(p, "ship_crash", plan);

        int transactions = 800;
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        AtomicBoolean writerDone = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                for (int t = 0; t < transactions; t++) {
                    st.execute("UPDATE counters SET v = v + 1 WHERE id = " + (1 + t % 20));
                    st.execute("UPDATE counters SET v = v + 10 WHERE id = " + (1 + (t * 7) % 20));
                    st.execute("INSERT INTO events SELECT " + t + " * 3 + k, " + t + ", 'e' || k FROM generate_series(0, 2) k");
                    if (t % 50 == 0) {
                        st.execute("DELETE FROM events WHERE seq = " + (t * 3 - 1)); // a key-less row deleted by its values
                    }
                    c.commit();
                    Thread.sleep(3);
                }
            } catch (Throwable e) {
                writerFailed.set(e);
            } finally {
                writerDone.set(true);
            }
        });
        writer.start();
        try {
            // 1. Dies while applying a change: the open target transaction is lost with it.
            LogShipper a = Shipping.start(p, "ship_crash", plan, snap.consistentPoint());
            a.crashAt(LogShipper.CrashPoint.AT_CHANGE, 150);
            Shipping.awaitStopped(a, Duration.ofSeconds(30));
            assertTrue(a.failure().orElseThrow().getMessage().contains("simulated"), a.failure().toString());

            // 2. Dies right after a target commit, before the server hears of it: the next shipper is sent
            //    that transaction again and must skip it.
            LogShipper b = Shipping.start(p, "ship_crash", plan, snap.consistentPoint());
            b.crashAt(LogShipper.CrashPoint.AFTER_TARGET_COMMIT, 3);
            Shipping.awaitStopped(b, Duration.ofSeconds(30));
            assertTrue(b.failure().orElseThrow().getMessage().contains("simulated"), b.failure().toString());
            Lsn recordedByB = LogShipper.appliedPosition(p.target(), "ship_crash").orElseThrow();
            Lsn confirmed = Lsn.parse(Shipping.slotConfirmed(p.source(), "ship_crash"));
            assertTrue(confirmed.isBefore(recordedByB), "server confirmed " + confirmed + ", target recorded " + recordedByB);

            // 3. Loses its stream: the source terminates the walsender under it (and this shipper may not
            //    reconnect by itself: LogShipperReconnectTest covers that).
            LogShipper c = new LogShipper(p.source(), p.target(), "ship_crash", "ship_crash_pub", plan).reconnectFor(Duration.ZERO);
            c.start(snap.consistentPoint());
            assertEquals(recordedByB, c.recordedAtStart().orElseThrow());
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (c.transactionsApplied() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Db.exec(p.source(), "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'ship_crash'");
            Shipping.awaitStopped(c, Duration.ofSeconds(30));
            assertTrue(c.failure().isPresent());

            // 4. Runs to the end.
            LogShipper d = Shipping.start(p, "ship_crash", plan, snap.consistentPoint());
            try {
                writer.join(120_000);
                assertTrue(writerDone.get());
                assertNull(writerFailed.get());
                Shipping.drain(d, p.source());
                assertEquals(Db.rows(p.source(), "SELECT * FROM counters ORDER BY id"), Db.rows(p.target(), "SELECT * FROM counters ORDER BY id"));
                assertEquals(Db.rows(p.source(), "SELECT seq, txn, note FROM events ORDER BY seq"),
                        Db.rows(p.target(), "SELECT seq, txn, note FROM events ORDER BY seq"));
                assertEquals(0, Db.count(p.target(), "SELECT count(*) FROM (SELECT seq FROM events GROUP BY seq HAVING count(*) > 1) d"));
                long total = Db.count(p.source(), "SELECT sum(v) FROM counters");
                assertEquals(11L * transactions, total);
                System.out.printf("crash test: shippers applied %d + %d + %d + %d transactions%n", a.transactionsApplied(),
                        b.transactionsApplied(), c.transactionsApplied(), d.transactionsApplied());
            } finally {
                d.stop();
            }
        } finally {
            writer.join(120_000);
        }
    }

    /**
     * A reader of the target, each time in one snapshot, sees whole source transactions only (a big one of
     * 5000 rows among them), and the recorded position is always exactly the end of the last transaction
     * it sees: the position moves by whole commits. The source's commit ends come from a second slot read
     * with the decoder.
     */
    @Test
    void aTargetReaderNeverSeesPartOfASourceTransaction() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_atomic");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE batches (batch int, i int, PRIMARY KEY (batch, i))", "CREATE TABLE totals (id int PRIMARY KEY, n int)");
        }
        Db.exec(p.source(), "INSERT INTO totals VALUES (1, 0)");
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult snap = Shipping.copy(p, "ship_atomic", plan);
        Db.exec(p.source(), "SELECT pg_create_logical_replication_slot('ship_atomic_peek', 'pgoutput')");
        int batches = 60;
        int big = 30;

        LogShipper shipper = Shipping.start(p, "ship_atomic", plan, snap.consistentPoint());
        AtomicBoolean stop = new AtomicBoolean();
        List<String> violations = new ArrayList<>();
        List<Object[]> seen = new ArrayList<>(); // {applied_lsn or null, batches seen}
        Thread reader = new Thread(() -> {
            try (Connection c = p.target().connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                while (!stop.get()) {
                    String lsn = null;
                    try (ResultSet rs = st.executeQuery("SELECT applied_lsn::text FROM imago_meta.shipping WHERE slot = 'ship_atomic'")) {
                        if (rs.next()) {
                            lsn = rs.getString(1);
                        }
                    } catch (SQLException noTableYet) {
                        c.rollback();
                        continue;
                    }
                    Map<Integer, Integer> counts = new TreeMap<>();
                    try (ResultSet rs = st.executeQuery("SELECT batch, count(*) FROM batches GROUP BY batch")) {
                        while (rs.next()) {
                            counts.put(rs.getInt(1), rs.getInt(2));
                        }
                    }
                    int total;
                    try (ResultSet rs = st.executeQuery("SELECT n FROM totals")) {
                        total = rs.next() ? rs.getInt(1) : -1;
                    }
                    c.commit();
                    int k = counts.size();
                    int sum = 0;
                    for (int b = 1; b <= k; b++) {
                        Integer n = counts.get(b);
                        if (n == null || n != size(b, big)) {
                            violations.add("batch " + b + " has " + n + " rows of " + size(b, big) + " (seen: " + counts + ")");
                        }
                        sum += size(b, big);
                    }
                    if (total != sum) {
                        violations.add("total " + total + " but the batches seen hold " + sum);
                    }
                    seen.add(new Object[] {lsn, k});
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                violations.add("reader failed: " + e);
            }
        });
        reader.start();
        try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
            // Flushed at once, so the walsender sees the commits one by one (the test servers commit asynchronously).
            st.execute("SET synchronous_commit = on");
            c.setAutoCommit(false);
            for (int b = 1; b <= batches; b++) {
                int n = size(b, big);
                st.execute("INSERT INTO batches SELECT " + b + ", g FROM generate_series(1, " + n / 2 + ") g");
                st.execute("UPDATE totals SET n = n + " + n);
                st.execute("INSERT INTO batches SELECT " + b + ", g FROM generate_series(" + (n / 2 + 1) + ", " + n + ") g");
                c.commit();
                Thread.sleep(15);
            }
        }
        Shipping.drain(shipper, p.source());
        Thread.sleep(50);
        stop.set(true);
        reader.join(30_000);
        shipper.stop();
        assertEquals(List.of(), violations);
        assertEquals(batches, Db.count(p.target(), "SELECT count(DISTINCT batch) FROM batches"));

        // Every transaction's commit end, and the batch it wrote.
        Map<Lsn, Integer> batchEndingAt = new TreeMap<>();
        Integer current = null;
        for (PgOutputDecoderTest.Peeked m : PgOutputDecoderTest.peek(p.source(), "ship_atomic_peek", "ship_atomic_pub")) {
            if (m.message() instanceof Begin) {
                current = null;
            } else if (m.message() instanceof Insert i && current == null) {
                current = Integer.parseInt(i.newTuple().get(0).text());
            } else if (m.message() instanceof Commit commit) {
                batchEndingAt.put(commit.endLsn(), current);
            }
        }
        Db.exec(p.source(), "SELECT pg_drop_replication_slot('ship_atomic_peek')");
        assertEquals(batches, batchEndingAt.size());
        int intermediate = 0;
        for (Object[] s : seen) {
            int k = (Integer) s[1];
            if (s[0] == null) {
                assertEquals(0, k, "rows before any recorded position");
                continue;
            }
            Lsn applied = Lsn.parse((String) s[0]);
            assertTrue(batchEndingAt.containsKey(applied), applied + " is the end of no source transaction");
            assertEquals(batchEndingAt.get(applied), k, "the recorded position " + applied + " is the end of the last batch seen");
            if (k > 0 && k < batches) {
                intermediate++;
            }
        }
        System.out.printf("atomicity: %d snapshots of the target read, %d in mid-stream, %d distinct positions seen, %d source transactions%n",
                seen.size(), intermediate, seen.stream().map(s -> s[0]).distinct().count(), batches);
        assertTrue(intermediate > 5, "the reader saw the shipping in progress: " + intermediate);
    }

    /**
     * Stopped in the middle of a big source transaction: the shipper makes what it committed durable (when a
     * commit is not yet known to be flushed), but the half-received transaction is rolled back, never
     * committed with it (ChangeApplier#commitDurably refuses to commit changes). The next shipper applies it whole.
     */
    @Test
    void aStopInsideASourceTransactionCommitsNoPartOfIt() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_stopmid");
        for (PgEndpoint e : List.of(p.source(), p.target())) {
            Db.exec(e, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        }
        List<TableMigration> plan = Db.plan(p, null, List.of());
        SnapshotResult snap = Shipping.copy(p, "ship_stopmid", plan);
        LogShipper one = Shipping.start(p, "ship_stopmid", plan, snap.consistentPoint());
        int big = 300_000;
        try {
            Db.exec(p.source(), "INSERT INTO t VALUES (0, 0)", "INSERT INTO t SELECT g, g FROM generate_series(1, " + big + ") g");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (one.transactionsApplied() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertEquals(1, one.transactionsApplied(), "the small transaction applied, the big one not yet");
            // The big one is arriving once the shipper's target session holds a transaction id again.
            while (Db.count(p.target(), "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.datname = current_database() "
                    + "AND a.application_name = 'imago-migration' AND l.locktype = 'transactionid'") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } finally {
            one.stop();
        }
        assertTrue(one.failure().isEmpty(), one.failure().toString());
        long rows = Db.count(p.target(), "SELECT count(*) FROM t WHERE id > 0");
        assertTrue(rows == 0 || rows == big, "the big transaction is on the target whole or not at all: " + rows + " rows");
        LogShipper two = Shipping.start(p, "ship_stopmid", plan, snap.consistentPoint());
        try {
            Shipping.drain(two, p.source());
            assertEquals(big + 1L, Db.count(p.target(), "SELECT count(*) FROM t"));
            System.out.printf("stopped mid-transaction with %d of %d rows applied; the next shipper applied %d transactions%n", rows, big,
                    two.transactionsApplied());
        } finally {
            two.stop();
            SnapshotCopier.dropSlotAndPublication(p.source(), "ship_stopmid", "ship_stopmid_pub"); // the shared server's slots are few
        }
    }

    private static int size(int batch, int big) {
        return batch == big ? 5000 : 40;
    }
}
