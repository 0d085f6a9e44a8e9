package io.imago.bench;

import io.imago.migration.MigrationPlanner;
import io.imago.migration.PgEndpoint;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.SnapshotResult;
import io.imago.migration.TableMigration;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Imago's copier on one big table (about {@code gigabytes} of heap on the source), reporting this JVM's heap
 * high-water mark while it copies: memory must stay bounded whatever the table's size, so a leak (rows buffered,
 * results materialized) shows as a peak that grows with the table. Two figures: the heap in use sampled every 20 ms
 * (garbage not yet collected included: what the JVM had to hold), and the heap pools' peak right after each
 * collection (what was still live).
 */
final class HeapBench {
    static final String DB = "heap";
    /** About 1,000 bytes a row, stored inline and uncompressed (below the 2 kB TOAST threshold), so size is rows x width. */
    private static final String DDL = "CREATE TABLE big (id bigint PRIMARY KEY, n int NOT NULL, payload text NOT NULL, at timestamptz NOT NULL)";
    private static final long ROW_BYTES = 1_024;

    record Result(long tableBytes, long rows, double seconds, long usedPeak, long liveAfterGcPeak, long max) {
    }

    private final PgServer source;
    private final PgServer target;
    private final double gigabytes;
    private final int parallelism;

    HeapBench(PgServer source, PgServer target, double gigabytes, int parallelism) {
        this.source = source;
        this.target = target;
        this.gigabytes = gigabytes;
        this.parallelism = parallelism;
    }

    Result run() throws Exception {
        long rows = (long) (gigabytes * (1L << 30) / ROW_BYTES);
        long t0 = System.nanoTime();
        source.createDatabase(DB);
        source.exec(DB, DDL, "INSERT INTO big SELECT g, g % 1000, repeat(md5(g::text), 30), timestamptz '2020-01-01' + g * interval '1 second' "
                + "FROM generate_series(1::bigint, " + rows + ") g", "VACUUM (FREEZE, ANALYZE) big", "CHECKPOINT");
        long bytes = BulkLoadBench.count(source.endpoint(DB), "SELECT pg_table_size('big')");
        System.out.printf("generated %,d rows, %,d MB of heap, in %.0f s%n", rows, bytes >> 20, (System.nanoTime() - t0) / 1e9);
        target.createDatabase(DB);
        target.exec(DB, DDL);
        PgEndpoint src = source.endpoint(DB);
        PgEndpoint tgt = target.endpoint(DB);
        List<TableMigration> plan;
        try (Connection s = src.connect(); Connection t = tgt.connect()) {
            plan = MigrationPlanner.resolve(s, t, null, List.of());
        }
        String slot = "bench_heap";
        HeapSampler sampler = new HeapSampler();
        try {
            System.gc(); // start from the live set, not from the generation's leftovers
            sampler.start();
            long c0 = System.nanoTime();
            SnapshotResult r = new SnapshotCopier(src, tgt, slot, slot, parallelism, null).copy(plan);
            double secs = (System.nanoTime() - c0) / 1e9;
            sampler.stop();
            if (r.totalRows() != rows) {
                throw new IllegalStateException("Imago copied " + r.totalRows() + " rows, expected " + rows);
            }
            return new Result(bytes, rows, secs, sampler.usedPeak.get(), sampler.livePeak.get(), Runtime.getRuntime().maxMemory());
        } finally {
            sampler.stop();
            SnapshotCopier.dropSlotAndPublication(src, slot, slot);
            // 2 x the table on disk: give it back at once rather than at the end of the run
            source.dropDatabase(DB);
            target.dropDatabase(DB);
        }
    }

    static void print(Result r) {
        System.out.printf("%nHeap while copying one %,.1f GB table (%,d rows, in %.0f s, %,.0f MB/s; -Xmx %,d MB; load average %s):%n",
                r.tableBytes() / (double) (1L << 30), r.rows(), r.seconds(), (r.tableBytes() >> 20) / r.seconds(), r.max() >> 20, Bench.loadAverage());
        System.out.printf("  heap high-water mark, in use (sampled every 20 ms, uncollected garbage included)  %,d MB%n", r.usedPeak() >> 20);
        System.out.printf("  heap high-water mark, live after collections (pools' peak after GC)              %,d MB%n", r.liveAfterGcPeak() >> 20);
    }

    /** Samples the heap in use, and what the heap pools held after their latest collection. */
    private static final class HeapSampler {
        final AtomicLong usedPeak = new AtomicLong();
        final AtomicLong livePeak = new AtomicLong();
        private volatile boolean running;

        void start() {
            running = true;
            Thread thread = new Thread(() -> {
                while (running) {
                    usedPeak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    livePeak.accumulateAndGet(afterLastCollections(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            running = false;
        }

        /** Sum over the heap pools of their usage right after their latest collection: what survived it, i.e. was live. */
        private static long afterLastCollections() {
            long sum = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage u = p.getType() == MemoryType.HEAP ? p.getCollectionUsage() : null;
                sum += u == null ? 0 : u.getUsed();
            }
            return sum;
        }
    }
}
