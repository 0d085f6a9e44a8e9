package io.imago.migration;

import io.imago.migration.DeferredIndexes.Deferred;
import io.imago.migration.BuildTask.Step;
import io.imago.migration.DeferredIndexes.Kind;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;

/**
 * Builds what {@link DeferredIndexes} dropped while the copy still runs: a table's own indexes and keys (and an
 * ANALYZE) as soon as its rows are in, a foreign key as soon as both its tables have theirs. The index work of the
 * tables loaded first then overlaps the copy of the others instead of waiting for the last row, and the foreign keys
 * no longer wait for every index of every table.
 *
 * <p>Locks decide what may run side by side. CREATE INDEX takes SHARE, which builds on one table share; ADD PRIMARY
 * KEY / UNIQUE / EXCLUDE (ACCESS EXCLUSIVE), ANALYZE and a foreign key's check (SHARE UPDATE EXCLUSIVE) and adding a
 * foreign key (SHARE ROW EXCLUSIVE, on both its tables) conflict with it or with themselves, so none of them starts
 * while anything else runs on its tables: its worker would only sit blocked while another build was ready. A foreign
 * key is added NOT VALID first, then checked: the check does not lock the referenced table, so two keys that
 * reference one table, or one referencing the other's table, are checked side by side.
 *
 * <p>Each session sorts in at least {@link #MAINTENANCE_WORK_MEM}, and once every table is loaded a build gets the
 * workers that builds running beside it leave idle as parallel maintenance workers: both SET in the session, never
 * in the server's configuration.
 *
 * <p>The first failure cancels the builds in progress and is the one reported, as in {@link ParallelCopy}.
 */
final class IndexBuilds implements AutoCloseable {
    /** Big enough to sort the keys of a few million rows in memory; never lowers a bigger setting. */
    static final String MAINTENANCE_WORK_MEM = "256MB";

    private record Started(BuildTask task, int parallelWorkers) {
    }

    private final PgEndpoint target;
    private final int workers;
    private final CopyProgress progress;
    private final int total;
    // Guarded by this: what is left, what runs, what is loaded.
    private final List<BuildTask> pending = new ArrayList<>();
    private final Set<String> loading = new HashSet<>();
    private final Map<String, Integer> ownLeft = new HashMap<>();
    private final Map<String, Integer> sharedRunning = new HashMap<>();
    private final Set<String> exclusiveRunning = new HashSet<>();
    private final Set<String> added = new HashSet<>();
    private int running;
    private boolean announced;
    private boolean stopped;

    private final List<Connection> open = new CopyOnWriteArrayList<>();
    private final ExecutorService pool;
    private final List<Future<Integer>> futures = new ArrayList<>();

    /**
     * Starts the workers; what waits for a table starts when {@link #loaded} says its rows are in.
     *
     * @param recorded what {@link DeferredIndexes#recorded} returned
     * @param loading the tables about to be copied, biggest first (their builds are taken up in that order, so the
     *     longest do not start last): each also gets an ANALYZE once loaded
     */
    IndexBuilds(PgEndpoint target, int parallelism, CopyProgress progress, List<Deferred> recorded, Collection<String> loading) {
        this.target = target;
        this.progress = progress;
        this.total = recorded.size();
        this.loading.addAll(loading);
        // The tables being copied are empty when recorded, so their sizes there say nothing: the caller's order first.
        List<String> order = new ArrayList<>(loading);
        recorded.stream().map(Deferred::table).filter(t -> !order.contains(t)).forEach(order::add);
        List<BuildTask> tasks = new ArrayList<>();
        for (Deferred d : recorded) {
            if (d.kind() != Kind.FOREIGN_KEY) {
                tasks.add(new BuildTask(d.kind() == Kind.INDEX ? Step.INDEX : Step.KEY, d, d.table(), Set.of(d.table())));
                continue;
            }
            Set<String> both = new LinkedHashSet<>();
            both.add(d.table());
            if (d.references() != null && !d.references().isEmpty()) {
                both.add(d.references());
            }
            // Adding locks both tables, checking only the referencing one (see DeferredIndexes.addNotValid).
            tasks.add(new BuildTask(Step.ADD_FOREIGN_KEY, d, d.table(), both));
            tasks.add(new BuildTask(Step.CHECK_FOREIGN_KEY, d, d.table(), Set.of(d.table())));
        }
        loading.forEach(t -> tasks.add(new BuildTask(Step.ANALYZE, null, t, Set.of(t))));
        tasks.sort(Comparator.comparing(BuildTask::step).thenComparingInt(t -> order.indexOf(t.table())));
        pending.addAll(tasks);
        tasks.stream().filter(t -> !t.foreignKey()).forEach(t -> ownLeft.merge(t.table(), 1, Integer::sum));
        int n = Math.max(1, Math.min(parallelism, tasks.size()));
        this.workers = n;
        AtomicInteger seq = new AtomicInteger();
        pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "imago-index-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < (tasks.isEmpty() ? 0 : n); i++) {
            futures.add(pool.submit(this::work));
        }
    }

    /** The table's rows are in (its last chunk committed): its builds may start. */
    synchronized void loaded(String table) {
        loading.remove(table);
        notifyAll();
    }

    /** True once a build failed (or the builds were stopped): the copy should stop too. */
    synchronized boolean stopped() {
        return stopped;
    }

    /** After a complete copy: every table is loaded; waits for the last build. @return how many were built */
    int finish() throws SQLException {
        synchronized (this) {
            loading.clear();
            notifyAll();
        }
        return await();
    }

    /**
     * The copy failed: cancels what runs, starts nothing more, waits for the workers.
     *
     * @return a build's own failure, if one failed first (the copy may only have stopped because of it), else null
     */
    SQLException abort() {
        stop();
        try {
            await();
            return null;
        } catch (SQLException e) {
            return PgErrors.cancelled(e) ? null : e;
        }
    }

    @Override
    public void close() {
        if (!futures.stream().allMatch(Future::isDone)) {
            abort();
        }
        pool.shutdownNow();
    }

    private int work() throws SQLException, InterruptedException {
        int built = 0;
        Connection mine = null;
        try (Connection c = target.connect()) {
            mine = c;
            open.add(c);
            try (Statement st = c.createStatement()) {
                st.execute("SET statement_timeout = 0");
                st.execute("SELECT set_config('maintenance_work_mem', greatest(pg_size_bytes(current_setting('maintenance_work_mem')), "
                        + "pg_size_bytes('" + MAINTENANCE_WORK_MEM + "')) / 1024 || 'kB', false)");
            }
            Started s;
            while ((s = next()) != null) {
                try {
                    built += run(c, s) ? 1 : 0;
                } finally {
                    finished(s.task());
                }
            }
        } catch (SQLException | RuntimeException e) {
            stop(); // the others' builds are cancelled now rather than when they finish
            throw e;
        } finally {
            open.remove(mine);
        }
        return built;
    }

    private boolean run(Connection c, Started s) throws SQLException {
        BuildTask t = s.task();
        try (Statement st = c.createStatement()) {
            switch (t.step()) {
                case ANALYZE -> {
                    st.execute("ANALYZE " + Sql.table(t.table()));
                    return false;
                }
                case ADD_FOREIGN_KEY -> {
                    return DeferredIndexes.addNotValid(c, t.deferred());
                }
                default -> st.execute("SET max_parallel_maintenance_workers = " + s.parallelWorkers());
            }
        }
        boolean built = DeferredIndexes.rebuild(c, t.deferred());
        progress.indexBuilt(t.table(), t.deferred().name());
        return built && t.step() != Step.CHECK_FOREIGN_KEY; // a foreign key counts once, when added
    }

    /** The first task that may start now, in order; waits while none may. Null when all are done or stopped. */
    private synchronized Started next() throws InterruptedException {
        while (!stopped && !pending.isEmpty()) {
            for (Iterator<BuildTask> it = pending.iterator(); it.hasNext(); ) {
                BuildTask t = it.next();
                if (ready(t) && unlocked(t)) {
                    it.remove();
                    t.tables().forEach(x -> {
                        if (t.exclusive()) {
                            exclusiveRunning.add(x);
                        } else {
                            sharedRunning.merge(x, 1, Integer::sum);
                        }
                    });
                    running++;
                    if (!announced && t.deferred() != null) {
                        announced = true;
                        progress.indexesPlanned(total);
                    }
                    // While rows still stream, the copy has the cores; after, a build alone gets the idle ones.
                    int extra = loading.isEmpty() ? Math.max(0, workers / running - 1) : 0;
                    return new Started(t, extra);
                }
            }
            wait();
        }
        return null;
    }

    private synchronized void finished(BuildTask t) {
        running--;
        t.tables().forEach(x -> {
            if (t.exclusive()) {
                exclusiveRunning.remove(x);
            } else {
                sharedRunning.merge(x, -1, (a, b) -> a + b == 0 ? null : a + b);
            }
        });
        if (!t.foreignKey()) {
            ownLeft.merge(t.table(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
        if (t.step() == Step.ADD_FOREIGN_KEY) {
            added.add(t.deferred().name() + " " + t.table());
        }
        notifyAll();
    }

    /** A table's own work waits for its rows; a foreign key for both its tables' own work (all tables', if unknown). */
    private boolean ready(BuildTask t) {
        if (!t.foreignKey()) {
            return !loading.contains(t.table());
        }
        if (t.step() == Step.CHECK_FOREIGN_KEY) {
            return added.contains(t.deferred().name() + " " + t.table());
        }
        if (t.deferred().references() == null) {
            return loading.isEmpty() && ownLeft.isEmpty();
        }
        return t.tables().stream().allMatch(x -> !loading.contains(x) && !ownLeft.containsKey(x));
    }

    private boolean unlocked(BuildTask t) {
        return t.tables().stream().allMatch(x -> !exclusiveRunning.contains(x) && (!t.exclusive() || !sharedRunning.containsKey(x)));
    }

    private void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            notifyAll();
        }
        for (Connection c : open) {
            try {
                c.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException ignored) {
                // closed meanwhile: nothing left to cancel
            }
        }
    }

    /** Waits for every worker; throws the failure that stopped them (not a cancellation it caused), the others suppressed. */
    private int await() throws SQLException {
        int built = 0;
        List<Throwable> errors = new ArrayList<>();
        for (Future<Integer> f : futures) {
            try {
                built += f.get();
            } catch (ExecutionException e) {
                errors.add(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new SQLException("interrupted while building indexes", e);
            }
        }
        if (errors.isEmpty()) {
            return built;
        }
        Throwable first = errors.stream().filter(e -> !PgErrors.cancelled(e)).findFirst().orElse(errors.get(0));
        errors.stream().filter(e -> e != first).forEach(first::addSuppressed);
        if (first instanceof SQLException s) {
            throw s;
        }
        throw new SQLException("building indexes failed: " + first, first);
    }
}
