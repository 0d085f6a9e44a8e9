package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The data checks read one consistent cut of source and target while the source keeps taking writes: the
 * writes are held only while the cut is taken, within the allowed pause, however long the checks run.
 */
class ConsistentCutTest {
    private static final int ROWS = 200_000;
    private static final Duration MAX_HOLD = Duration.ofMillis(500);

    /** Latencies (ms) of a writer's statements, each tagged with the phase it started in. */
    private static final class Writer implements Runnable {
        final List<double[]> samples = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile int phase;
        private final PgEndpoint db;

        Writer(PgEndpoint db) {
            this.db = db;
        }

        @Override
        public void run() {
            try (Connection c = db.connect();
                 PreparedStatement update = c.prepareStatement("UPDATE big SET n = n + 1, at = now() WHERE id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO big (id, n, payload, at) VALUES (?, 7, 'new', now())")) {
                long nextId = ROWS + 1;
                while (!stop.get()) {
                    int p = phase;
                    long t0 = System.nanoTime();
                    if (ThreadLocalRandom.current().nextInt(4) == 0) {
                        insert.setLong(1, nextId++);
                        insert.executeUpdate();
                    } else {
                        update.setLong(1, 1 + ThreadLocalRandom.current().nextInt(ROWS));
                        update.executeUpdate();
                    }
                    samples.add(new double[] {p, (System.nanoTime() - t0) / 1e6});
                    Thread.sleep(2);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        /** {max, p99, count} of the statements started in {@code phase}. */
        double[] figures(int phase) {
            List<Double> ms;
            synchronized (samples) {
                ms = samples.stream().filter(s -> s[0] == phase).map(s -> s[1]).sorted().toList();
            }
            return new double[] {ms.get(ms.size() - 1), ms.get((int) Math.ceil(ms.size() * 0.99) - 1), ms.size()};
        }
    }

    @Test
    void checksumsOfALargeTableHoldWritesOnlyForTheCut() throws Exception {
        PgServers.Pair p = PgServers.fresh("cut_large");
        Db.exec(p.source(), "CREATE TABLE big (id bigint PRIMARY KEY, n int NOT NULL, payload text NOT NULL, at timestamptz NOT NULL)",
                "INSERT INTO big SELECT g, g % 1000, repeat(md5(g::text), 4), '2024-01-01'::timestamptz + g * interval '1 second' "
                        + "FROM generate_series(1, " + ROWS + ") g", "ANALYZE big");
        Db.exec(p.target(), "CREATE TABLE big_v2 (id bigint PRIMARY KEY, n int NOT NULL, payload text NOT NULL, at timestamptz NOT NULL, "
                + "bucket text)");
        List<TableMigration> plan = Db.plan(p, List.of("big"),
                List.of(TableTransform.of("big").renameTo("big_v2").addColumn("bucket", "'b' || (n % 10)").withWhere("id % 10 <> 3")));
        TableMigration m = plan.get(0);
        SnapshotResult snap = Shipping.copy(p, "cut_large", plan);

        Writer writer = new Writer(p.source());
        Thread t = new Thread(writer, "writer");
        try (LogShipper shipper = Shipping.start(p, "cut_large", plan, snap.consistentPoint())) {
            t.start();
            Thread.sleep(2000); // phase 0: the writer alone, shipping along
            writer.phase = 1;
            long t0 = System.nanoTime();
            DataChecks.RowCount count;
            DataChecks.Checksum sum;
            long hold;
            try (ConsistentCut cut = ConsistentCut.take(p.source(), p.target(), LiveCatalog.publicTables(p.source()), shipper::drainTo,
                    MAX_HOLD)) {
                hold = cut.holdMillis();
                count = DataChecks.rowCount(cut, m);
                sum = DataChecks.checksum(cut, m, 5);
            }
            long checksMs = (System.nanoTime() - t0) / 1_000_000;
            writer.phase = 2;
            Thread.sleep(500);
            writer.stop.set(true);
            t.join(10_000);
            assertEquals(null, writer.failure.get());

            double[] before = writer.figures(0);
            double[] during = writer.figures(1);
            System.out.printf("consistent cut: %,d source rows, checks took %d ms, writes held %d ms (maxWritePause %d ms)%n",
                    ROWS, checksMs, hold, MAX_HOLD.toMillis());
            System.out.printf("write latency before validation: max %.1f ms, p99 %.1f ms (%d writes)%n", before[0], before[1], (long) before[2]);
            System.out.printf("write latency during validation: max %.1f ms, p99 %.1f ms (%d writes)%n", during[0], during[1], (long) during[2]);

            assertTrue(count.matches(), count.toString());
            assertTrue(sum.matches(), sum.toString());
            assertTrue(count.sourceRows() > ROWS * 0.9 * 0.99, count.toString());
            assertTrue(checksMs > MAX_HOLD.toMillis(), "the checks take longer than the allowed pause (" + checksMs + " ms)");
            assertTrue(hold < MAX_HOLD.toMillis(), "hold " + hold + " ms");
            assertTrue(during[0] < MAX_HOLD.toMillis(), "a write waited " + during[0] + " ms during validation");
            assertTrue(during[2] > 20, "the writer kept writing during the checks: " + (long) during[2] + " writes");
        } finally {
            writer.stop.set(true);
            t.join(10_000);
            SnapshotCopier.dropSlotAndPublication(p.source(), "cut_large", "cut_large_pub");
        }
    }

    @Test
    void aDrainThatMissesTheHoldLiftsTheFenceAndFails() throws Exception {
        PgServers.Pair p = PgServers.fresh("cut_late");
        Db.exec(p.source(), "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'a')");
        Db.exec(p.target(), "CREATE TABLE t (id int PRIMARY KEY, v text)");
        long t0 = System.nanoTime();
        ConsistentCut.NotInTime e = assertThrows(ConsistentCut.NotInTime.class, () -> ConsistentCut.take(p.source(), p.target(),
                List.of("t"), (position, timeout) -> {
                    try {
                        Thread.sleep(timeout.toMillis());
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    return false;
                }, Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("the fence was lifted"), e.getMessage());
        assertTrue(e.heldMillis() >= 250 && e.heldMillis() < 1000, "held " + e.heldMillis() + " ms");
        assertTrue(ms < 3000, ms + " ms");
        // The fence is gone: a write goes through at once.
        try (Connection c = p.source().connect(); Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '1s'");
            st.execute("INSERT INTO t VALUES (2, 'b')");
        }
        assertEquals(0, Db.count(p.source(), "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                + "WHERE c.relname = 't' AND l.mode = 'ExclusiveLock'"));
        // Nor is the exporting session left behind (closing ends it; the server notices within moments).
        String sessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('imago consistent cut', 'imago write fence') "
                + "AND datname = current_database()";
        for (int i = 0; i < 100 && Db.count(p.source(), sessions) > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, Db.count(p.source(), sessions));
    }
}
