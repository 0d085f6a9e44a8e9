package io.imago.bench;

import io.imago.migration.CopyProgress;
import io.imago.migration.LogShipper;
import io.imago.migration.MigrationPlanner;
import io.imago.migration.PgEndpoint;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.SnapshotResult;
import io.imago.migration.TableMigration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Change-log shipping, Imago's LogShipper against native logical replication (publication + subscription)
 * between the same two servers, measured the same way for both:
 * <ul>
 *   <li>lag under a fixed write rate: a probe on the target reads, every 50 ms, now() minus the newest
 *       clock_timestamp() stamp the writer put on a row that the target can see;</li>
 *   <li>the same lag at a high write rate (10,000 changes/s by default: four writers, a quarter each);</li>
 *   <li>sustained apply rate from a backlog: N single-row transactions written while shipping is stopped,
 *       then a marker row; the time from resuming to the marker being visible on the target;</li>
 *   <li>the same with the N changes in transactions of 100 rows each.</li>
 * </ul>
 */
final class ShipBench {
    static final String DB = "ship";
    private static final long PRELOAD = 100_000;
    private static final String TABLE = "CREATE TABLE ticks (id bigint PRIMARY KEY, k int NOT NULL, v int NOT NULL, stamped_at timestamptz NOT NULL, pad text)";
    private static final String[] SCHEMA = {TABLE, "CREATE INDEX ticks_stamped_idx ON ticks (stamped_at)",
        "CREATE TABLE ship_marker (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"};

    /** Rows per source transaction in the second backlog. */
    static final int BATCH_ROWS = 100;
    /** What one writer is asked for at most: above it, several writers share the rate. */
    private static final int ONE_WRITER_MAX = 2_500;

    /**
     * @param backlogSeconds from starting the applier (a new LogShipper, ALTER SUBSCRIPTION ENABLE) until the backlog's
     *     end marker is on the target
     * @param backlogStartSeconds from the same start until the marker written just before the backlog is on the target:
     *     the applier's own start-up (native's apply worker is launched by the subscription launcher)
     * @param lagBehindSource the lag read against the source's newest change instead of the clock ({@link Live})
     * @param cpu the CPU each process spent per change on the backlog once started: single-row, then 100-row
     */
    record Result(String contender, Percentiles lag, double writtenPerSecond, long backlog, double backlogSeconds,
            Percentiles fastLag, double fastWrittenPerSecond, double batchBacklogSeconds, double backlogStartSeconds,
            double batchBacklogStartSeconds, Percentiles lagBehindSource, Percentiles fastLagBehindSource, ApplierCpu.PerChange[] cpu) {
        double backlogRate() {
            return backlog / backlogSeconds;
        }

        double batchBacklogRate() {
            return backlog / batchBacklogSeconds;
        }

        /** The rate once the applier has applied its first transaction: its start-up left out. */
        double backlogRateStarted() {
            return backlog / (backlogSeconds - backlogStartSeconds);
        }

        double batchBacklogRateStarted() {
            return backlog / (batchBacklogSeconds - batchBacklogStartSeconds);
        }
    }

    private final PgServer source;
    private final PgServer target;
    private final int seconds;
    private final int rate;
    private final int fastRate;
    private final int backlog;
    private int markers;

    ShipBench(PgServer source, PgServer target, int seconds, int rate, int fastRate, int backlog) {
        this.source = source;
        this.target = target;
        this.seconds = seconds;
        this.rate = rate;
        this.fastRate = fastRate;
        this.backlog = backlog;
    }

    List<Result> run() throws Exception {
        source.createDatabase(DB);
        source.exec(DB, SCHEMA);
        source.exec(DB, "INSERT INTO ticks SELECT g, g % 1000, 0, timestamptz '2000-01-01', 'some forty characters of payload, roughly' "
                + "FROM generate_series(1, " + PRELOAD + ") g", "VACUUM ANALYZE ticks");
        System.out.println("  load average before: " + loadAverage());
        List<Result> out = new ArrayList<>();
        out.add(imago());
        out.add(nativeReplication());
        System.out.println("  load average after: " + loadAverage());
        return out;
    }

    /** The machine is shared: its load at the time goes beside the figures. */
    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private Result imago() throws Exception {
        String db = "ship_imago";
        String slot = "bench_ship";
        target.createDatabase(db);
        target.exec(db, SCHEMA);
        PgEndpoint src = source.endpoint(DB);
        PgEndpoint tgt = target.endpoint(db);
        List<TableMigration> plan;
        try (Connection s = src.connect(); Connection t = tgt.connect()) {
            plan = MigrationPlanner.resolve(s, t, null, List.of());
        }
        LogShipper shipper = null;
        try {
            SnapshotResult snap = new SnapshotCopier(src, tgt, slot, slot, 2, CopyProgress.NONE).copy(plan);
            shipper = new LogShipper(src, tgt, slot, slot, plan);
            shipper.start(snap.consistentPoint());
            System.out.println("  Imago LogShipper: live load ...");
            Live live = live(tgt, rate);
            System.out.println("  Imago LogShipper: live load at " + fastRate + " changes/s ...");
            Live fast = live(tgt, fastRate);
            LogShipper live1 = shipper;
            catchUp("Imago LogShipper", tgt, () -> live1.failure().orElse(null));
            shipper.stop();
            double[] secs = new double[2];
            double[] started = new double[2];
            ApplierCpu.PerChange[] cpu = new ApplierCpu.PerChange[2];
            for (int i = 0; i < 2; i++) {
                int rows = i == 0 ? 1 : BATCH_ROWS;
                System.out.println("  Imago LogShipper: backlog, " + rows + " row(s) per transaction ...");
                int marker = writeBacklog(rows);
                long t0 = System.nanoTime();
                shipper = new LogShipper(src, tgt, slot, slot, plan);
                shipper.start(snap.consistentPoint()); // resumes where the last one stopped (recorded on the target)
                LogShipper running = shipper;
                started[i] = awaitMarker(tgt, marker - 1, t0, () -> running.failure().orElse(null));
                ApplierCpu counting = ApplierCpu.imago(src, tgt);
                secs[i] = awaitMarker(tgt, marker, t0, () -> running.failure().orElse(null));
                cpu[i] = counting.stop(backlog);
                shipper.stop();
            }
            return new Result("Imago LogShipper", live.lag, live.rate, backlog, secs[0], fast.lag, fast.rate, secs[1], started[0], started[1],
                    live.behindSource, fast.behindSource, cpu);
        } finally {
            if (shipper != null) {
                shipper.stop();
            }
            SnapshotCopier.dropSlotAndPublication(src, slot, slot);
            target.dropDatabase(db);
        }
    }

    private Result nativeReplication() throws Exception {
        String db = "ship_native";
        String sub = "bench_native";
        target.createDatabase(db);
        target.exec(db, SCHEMA);
        PgEndpoint tgt = target.endpoint(db);
        source.exec(DB, "CREATE PUBLICATION " + sub + " FOR TABLE ticks, ship_marker");
        try {
            target.exec(db, "CREATE SUBSCRIPTION " + sub + " CONNECTION 'host=127.0.0.1 port=" + source.port + " dbname=" + DB
                    + " user=postgres' PUBLICATION " + sub + " WITH (copy_data = true)");
            waitFor(tgt, "SELECT count(*) = 0 FROM pg_subscription_rel WHERE srsubstate <> 'r'", 600);
            System.out.println("  native logical replication: live load ...");
            Live live = live(tgt, rate);
            System.out.println("  native logical replication: live load at " + fastRate + " changes/s ...");
            Live fast = live(tgt, fastRate);
            catchUp("native logical replication", tgt, () -> null);
            double[] secs = new double[2];
            double[] started = new double[2];
            ApplierCpu.PerChange[] cpu = new ApplierCpu.PerChange[2];
            for (int i = 0; i < 2; i++) {
                int rows = i == 0 ? 1 : BATCH_ROWS;
                target.exec(db, "ALTER SUBSCRIPTION " + sub + " DISABLE");
                waitFor(tgt, "SELECT count(*) = 0 FROM pg_stat_subscription WHERE subname = '" + sub + "' AND pid IS NOT NULL", 60);
                System.out.println("  native logical replication: backlog, " + rows + " row(s) per transaction ...");
                int marker = writeBacklog(rows);
                long t0 = System.nanoTime();
                target.exec(db, "ALTER SUBSCRIPTION " + sub + " ENABLE");
                started[i] = awaitMarker(tgt, marker - 1, t0, () -> null);
                ApplierCpu counting = ApplierCpu.nativeReplication(source.endpoint(DB), tgt, sub);
                secs[i] = awaitMarker(tgt, marker, t0, () -> null);
                cpu[i] = counting.stop(backlog);
            }
            return new Result("native logical replication", live.lag, live.rate, backlog, secs[0], fast.lag, fast.rate, secs[1], started[0],
                    started[1], live.behindSource, fast.behindSource, cpu);
        } finally {
            try {
                target.exec(db, "DROP SUBSCRIPTION IF EXISTS " + sub); // also drops its slot on the source
            } finally {
                source.exec(DB, "DROP PUBLICATION IF EXISTS " + sub);
                target.dropDatabase(db);
            }
        }
    }

    /**
     * @param lag the clock's lead over the target's newest change: a writer that stalls reads as lag too
     * @param behindSource how far the target's newest change trails the source's newest, read from the source just
     *     before: a writer's stall moves neither, so this is the applier's own delay
     */
    private record Live(Percentiles lag, Percentiles behindSource, double rate) {
    }

    /**
     * Writes at the fixed rate for the configured time while probing the target's lag every 50 ms. Above
     * {@link #ONE_WRITER_MAX} changes/s several writers share the rate (one session's round trips cannot go
     * much faster on this machine), each on its own share of the ids; they run in a process of their own
     * ({@link WriterProcess}).
     */
    private Live live(PgEndpoint tgt, int perSecond) throws Exception {
        long[] ids = ids();
        int n = (perSecond + ONE_WRITER_MAX - 1) / ONE_WRITER_MAX;
        List<Double> samples = new ArrayList<>();
        List<Double> behindSource = new ArrayList<>();
        long t0 = System.nanoTime();
        WriterProcess.Outcome outcome;
        try (WriterProcess writers = WriterProcess.start(source.port, DB, perSecond, ids[0], ids[1], n);
             Connection c = tgt.connect(); Connection s = source.endpoint(DB).connect();
             PreparedStatement newest = s.prepareStatement("SELECT CAST(max(stamped_at) AS text) FROM ticks");
             PreparedStatement probe = c.prepareStatement("SELECT extract(epoch FROM clock_timestamp() - max(stamped_at)) * 1000, "
                     + "extract(epoch FROM CAST(? AS timestamptz) - max(stamped_at)) * 1000 FROM ticks")) {
            long warmUp = t0 + 2_000_000_000L; // until the first stamped rows arrive, "newest stamp" is the preload's
            long end = t0 + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                String sourceNewest;
                try (ResultSet rs = newest.executeQuery()) {
                    rs.next();
                    sourceNewest = rs.getString(1);
                }
                probe.setString(1, sourceNewest);
                try (ResultSet rs = probe.executeQuery()) {
                    rs.next();
                    if (System.nanoTime() > warmUp) {
                        samples.add(rs.getDouble(1));
                        // Below zero: the target received a change newer than the source's newest was a moment ago.
                        behindSource.add(Math.max(0, rs.getDouble(2)));
                    }
                }
                Thread.sleep(50);
            }
            outcome = writers.stop();
        }
        long behind = outcome.behind();
        double achieved = outcome.written() / outcome.seconds();
        if (behind > 0) {
            System.out.printf("  note: the writer fell more than 100 ms behind schedule %d times%n", behind);
        }
        return new Live(Percentiles.of(samples), Percentiles.of(behindSource), achieved);
    }

    /**
     * A marker, then {@code backlog} changes in the same 5:4:1 mix, {@code rowsPerTransaction} to a transaction, as fast
     * as the source takes them, then a marker.
     *
     * @return the last marker's id; the first one's is one less
     */
    private int writeBacklog(int rowsPerTransaction) throws SQLException {
        source.exec(DB, "INSERT INTO ship_marker (id) VALUES (" + ++markers + ")");
        source.exec(DB, """
                DO $$ DECLARE lo bigint; hi bigint; BEGIN
                  SELECT min(id), max(id) + 1 INTO lo, hi FROM ticks;
                  FOR i IN 0..%d LOOP
                    IF i %% 10 < 5 THEN
                      INSERT INTO ticks VALUES (hi, hi %% 1000, 0, clock_timestamp(), 'some forty characters of payload, roughly'); hi := hi + 1;
                    ELSIF i %% 10 < 9 THEN
                      UPDATE ticks SET v = v + 1, stamped_at = clock_timestamp() WHERE id = lo + 1 + (i * 7919) %% (hi - lo - 1);
                    ELSE
                      DELETE FROM ticks WHERE id = lo; lo := lo + 1;
                    END IF;
                    IF i %% %d = %d THEN
                      COMMIT;
                    END IF;
                  END LOOP;
                  COMMIT;
                END $$""".formatted(backlog - 1, rowsPerTransaction, rowsPerTransaction - 1));
        int marker = ++markers;
        source.exec(DB, "INSERT INTO ship_marker (id) VALUES (" + marker + ")");
        return marker;
    }

    /**
     * Waits until the target holds everything written so far (a marker row): a backlog measured next must not
     * include what a live phase left behind.
     */
    private void catchUp(String contender, PgEndpoint tgt, java.util.function.Supplier<Throwable> failure) throws Exception {
        int marker = ++markers;
        source.exec(DB, "INSERT INTO ship_marker (id) VALUES (" + marker + ")");
        double secs = awaitMarker(tgt, marker, System.nanoTime(), failure);
        System.out.printf("  %s caught up %.1f s after the live phases%n", contender, secs);
    }

    /** @param failure what stopped the applier, if it failed: the wait ends at once with it */
    private static double awaitMarker(PgEndpoint tgt, int marker, long t0, java.util.function.Supplier<Throwable> failure) throws Exception {
        try (Connection c = tgt.connect(); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ship_marker WHERE id = " + marker)) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return (System.nanoTime() - t0) / 1e9;
                    }
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("shipping failed", failure.get());
                }
                if (System.nanoTime() - t0 > 600_000_000_000L) {
                    throw new IllegalStateException("the backlog was not applied within 10 minutes");
                }
                Thread.sleep(20);
            }
        }
    }

    private long[] ids() throws SQLException {
        try (Connection c = source.endpoint(DB).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT min(id), max(id) + 1 FROM ticks")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static void waitFor(PgEndpoint e, String condition, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            try (Connection c = e.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(condition)) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("timed out waiting for: " + condition);
    }

    static void print(List<Result> r, int fastRate) {
        Result imago = r.get(0);
        Result nat = r.get(1);
        System.out.println();
        System.out.println("Log shipping:");
        for (Result x : r) {
            System.out.printf("  %-28s lag %s; writer achieved %.0f changes/s; backlog of %,d applied in %.1f s = %,.0f changes/s "
                    + "(%.2f s to start, then %,.0f changes/s)%n", x.contender(), x.lag(), x.writtenPerSecond(), x.backlog(), x.backlogSeconds(),
                    x.backlogRate(), x.backlogStartSeconds(), x.backlogRateStarted());
        }
        System.out.printf("  lag imago / native: p50 %s, p95 %s, p99 %s (below 1 = imago lags less)%n",
                Percentiles.ratio(imago.lag().p50(), nat.lag().p50()), Percentiles.ratio(imago.lag().p95(), nat.lag().p95()),
                Percentiles.ratio(imago.lag().p99(), nat.lag().p99()));
        System.out.printf("  backlog apply rate imago / native: %s%n", Percentiles.ratio(imago.backlogRate(), nat.backlogRate()));
        System.out.printf("  backlog apply rate once started, imago / native: %s (each applier's start-up left out)%n",
                Percentiles.ratio(imago.backlogRateStarted(), nat.backlogRateStarted()));
        for (Result x : r) {
            System.out.printf("  %-28s at %,d changes/s: lag %s; writer achieved %.0f changes/s; backlog of %,d in %d-row transactions applied "
                    + "in %.1f s = %,.0f changes/s (%.2f s to start, then %,.0f changes/s)%n", x.contender(), fastRate, x.fastLag(),
                    x.fastWrittenPerSecond(), x.backlog(), BATCH_ROWS, x.batchBacklogSeconds(), x.batchBacklogRate(), x.batchBacklogStartSeconds(),
                    x.batchBacklogRateStarted());
        }
        System.out.printf("  fast lag imago / native: p50 %s, p95 %s, p99 %s; imago p99 %.0f ms, native p99 %.0f ms%n",
                Percentiles.ratio(imago.fastLag().p50(), nat.fastLag().p50()), Percentiles.ratio(imago.fastLag().p95(), nat.fastLag().p95()),
                Percentiles.ratio(imago.fastLag().p99(), nat.fastLag().p99()), imago.fastLag().p99(), nat.fastLag().p99());
        System.out.printf("  backlog apply rate, %d-row transactions, imago / native: %s%n", BATCH_ROWS,
                Percentiles.ratio(imago.batchBacklogRate(), nat.batchBacklogRate()));
        System.out.printf("  backlog apply rate once started, %d-row transactions, imago / native: %s%n", BATCH_ROWS,
                Percentiles.ratio(imago.batchBacklogRateStarted(), nat.batchBacklogRateStarted()));
        for (Result x : r) {
            System.out.printf("  %-28s lag behind the source's newest change (writer stalls left out): %s; at %,d changes/s: %s%n", x.contender(),
                    x.lagBehindSource(), fastRate, x.fastLagBehindSource());
        }
        for (Result x : r) {
            System.out.printf("  %-28s CPU per change, backlog once started: single-row %s; %d-row %s%n", x.contender(), x.cpu()[0], BATCH_ROWS,
                    x.cpu()[1]);
        }
        System.out.printf("  lag behind the source imago / native: p99 %s; at %,d changes/s p99 %s; imago p99 %.0f ms, native p99 %.0f ms%n",
                Percentiles.ratio(imago.lagBehindSource().p99(), nat.lagBehindSource().p99()), fastRate,
                Percentiles.ratio(imago.fastLagBehindSource().p99(), nat.fastLagBehindSource().p99()), imago.fastLagBehindSource().p99(),
                nat.fastLagBehindSource().p99());
    }
}
