package io.imago.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;

/**
 * A fixed pool of workers copying one chunk (a table, or a primary-key range of one) per task. Each worker
 * opens one source connection and imports the exported snapshot once, at its start, then copies chunk after
 * chunk inside that same REPEATABLE READ transaction: every chunk is read as of the slot's consistent point,
 * and the snapshot only has to stay importable until the last worker has started.
 */
final class ParallelCopy {
    private final PgEndpoint source;
    private final PgEndpoint target;
    private final int parallelism;
    private final boolean binary;
    private final CopyProgress progress;
    private final Set<String> freezable;

    /**
     * @param binary use COPY's binary format for the tables that allow it (see {@link TransformSql#binaryCopyPossible()})
     * @param freezable target tables that may be truncated and loaded with FREEZE when copied in one piece ({@link TableCopy#freezable})
     */
    ParallelCopy(PgEndpoint source, PgEndpoint target, int parallelism, boolean binary, CopyProgress progress, Set<String> freezable) {
        this.freezable = freezable;
        this.source = source;
        this.target = target;
        this.parallelism = parallelism;
        this.binary = binary;
        this.progress = progress;
    }

    /**
     * @param afterImports runs once every worker has imported the snapshot (or failed to): the exporting
     *     replication connection may then close
     * @return target rows per target table
     */
    Map<String, Long> run(String snapshotName, List<CopyChunk> chunks, Runnable afterImports) throws SQLException {
        // Largest table first, so a big table does not start last and stretch the whole copy, and its index builds,
        // the longest, overlap the copy of the others; a table's chunks stay together, so no more tables are in flight
        // than there are workers. Between tables of one size, the one in bigger pieces (loaded whole, to be frozen) first.
        Queue<CopyChunk> queue = new ConcurrentLinkedQueue<>(chunks.stream()
                .sorted(Comparator.comparingLong((CopyChunk c) -> c.table().estimatedRows())
                        .thenComparingLong(c -> c.table().estimatedRows() / c.count()).reversed()).toList());
        ChunkedProgress tableProgress = new ChunkedProgress(progress, chunks);
        tableProgress.announce(chunks);
        int workers = Math.min(parallelism, chunks.size());
        CountDownLatch imported = new CountDownLatch(workers);
        AtomicBoolean failed = new AtomicBoolean();
        List<Connection> open = new CopyOnWriteArrayList<>();
        Map<String, Long> rows = new ConcurrentHashMap<>();

        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "imago-copy-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
            for (int i = 0; i < workers; i++) {
                done.submit(() -> {
                    AtomicBoolean counted = new AtomicBoolean();
                    Runnable importedOnce = () -> {
                        if (!counted.getAndSet(true)) {
                            imported.countDown();
                        }
                    };
                    try {
                        worker(snapshotName, queue, tableProgress, importedOnce, failed, open, rows);
                    } finally {
                        importedOnce.run(); // a worker that could not even connect must not hold the others up
                    }
                    return null;
                });
            }
            await(imported);
            afterImports.run();
            List<Throwable> errors = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Future<Void> f = take(done);
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (!failed.getAndSet(true)) {
                        cancelAll(open); // stop the other workers' copies now rather than after their tables
                    }
                    errors.add(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancelAll(open);
                    throw new SQLException("interrupted while copying", e);
                }
            }
            if (!errors.isEmpty()) {
                throw rethrow(errors);
            }
            return rows;
        } finally {
            pool.shutdownNow();
        }
    }

    private void worker(String snapshotName, Queue<CopyChunk> queue, CopyProgress tableProgress, Runnable imported,
                        AtomicBoolean failed, List<Connection> open, Map<String, Long> rows) throws SQLException {
        try (Connection src = source.connect(); Connection tgt = target.connect()) {
            open.add(src);
            open.add(tgt);
            try {
                importSnapshot(src, snapshotName);
            } finally {
                imported.run();
            }
            prepareTarget(tgt);
            CopyChunk c;
            while (!failed.get() && (c = queue.poll()) != null) {
                TableMigration m = c.table();
                try {
                    boolean freeze = c.count() == 1 && freezable.contains(m.targetTable());
                    rows.merge(m.targetTable(), TableCopy.copy(src, tgt, c, binary, freeze, tableProgress), Long::sum);
                } catch (SQLException e) {
                    throw new SQLException("copying table '" + c + "' into '" + m.targetTable() + "' failed: "
                            + e.getMessage(), e.getSQLState(), e);
                }
            }
            try (Statement st = src.createStatement()) {
                st.execute("COMMIT");
            }
        } finally {
            open.removeIf(c -> {
                try {
                    return c.isClosed();
                } catch (SQLException e) {
                    return true;
                }
            });
        }
    }

    private static void importSnapshot(Connection src, String snapshotName) throws SQLException {
        try (Statement st = src.createStatement()) {
            // A role's default timeouts must not kill a copy that legitimately runs for hours.
            st.execute("SET statement_timeout = 0");
            st.execute("SET idle_in_transaction_session_timeout = 0");
            // Text formats every PostgreSQL version parses back identically.
            st.execute("SET DateStyle = ISO");
            st.execute("SET IntervalStyle = postgres");
            st.execute("SET extra_float_digits = 3");
            st.execute("SET bytea_output = hex");
            st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            st.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshotName));
        }
    }

    private static void prepareTarget(Connection tgt) throws SQLException {
        try (Statement st = tgt.createStatement()) {
            st.execute("SET statement_timeout = 0");
            st.execute("SET idle_in_transaction_session_timeout = 0");
            try {
                // As logical replication's apply does: no triggers, no foreign key checks. Tables load in
                // parallel, children before parents; the source already enforced the constraints.
                st.execute("SET session_replication_role = replica");
            } catch (SQLException notPermitted) {
                // Without the privilege, triggers and foreign key checks stay on: fine for schemas without them.
            }
        }
    }

    private static void cancelAll(List<Connection> open) {
        for (Connection c : open) {
            try {
                c.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException ignored) {
                // closed meanwhile: nothing left to cancel
            }
        }
    }

    /** Throws the failure that stopped the copy, as it was thrown (unchecked ones too), with the others suppressed. */
    private static SQLException rethrow(List<Throwable> errors) throws SQLException {
        // A worker cancelled because another failed reports 57014 (query_canceled): report the real failure.
        Throwable first = errors.stream().filter(e -> !(e instanceof SQLException && PgErrors.cancelled(e)))
                .findFirst().orElse(errors.get(0));
        errors.stream().filter(e -> e != first).forEach(first::addSuppressed);
        if (first instanceof SQLException s) {
            throw s;
        }
        if (first instanceof RuntimeException r) {
            throw r;
        }
        if (first instanceof Error e) {
            throw e;
        }
        throw new SQLException("copy worker failed: " + first, first);
    }

    private static void await(CountDownLatch latch) throws SQLException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the copies imported the snapshot", e);
        }
    }

    private static Future<Void> take(ExecutorCompletionService<Void> done) throws SQLException {
        try {
            return done.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while copying", e);
        }
    }
}
