package io.imago.bench;

import io.imago.testkit.BulkLoadDataset;
import io.imago.migration.CopyProgress;
import io.imago.migration.MigrationPlanner;
import io.imago.migration.PgEndpoint;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.SnapshotResult;
import io.imago.migration.TableMigration;
import io.imago.migration.TableTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The same source database loaded into a fresh target database by each contender, one after the other:
 * the plain COPY ceiling, pg_dump | psql, pg_dump -Fd -j N + pg_restore -j N, native logical replication's initial
 * sync, and Imago's SnapshotCopier (binary where possible, then text only). Each load is checked by row counts.
 */
final class BulkLoadBench {
    static final String SOURCE_DB = "shop";
    private static final List<TableTransform> TRANSFORMS = List.of(TableTransform.of("customers")
            .renameColumn("name", "full_name").addColumn("email_domain", "split_part(email, '@', 2)"));

    private final PgServer source;
    private final PgServer target;
    private final BulkLoadDataset data;
    private final int parallelism;
    private final Path work;

    BulkLoadBench(PgServer source, PgServer target, BulkLoadDataset data, int parallelism, Path work) {
        this.source = source;
        this.target = target;
        this.data = data;
        this.parallelism = parallelism;
        this.work = work;
    }

    void generate() throws SQLException {
        long t0 = System.nanoTime();
        source.createDatabase(SOURCE_DB);
        source.exec(SOURCE_DB, data.sourceScript().toArray(String[]::new));
        long bytes = count(source.endpoint(SOURCE_DB), "SELECT sum(pg_table_size(c.oid)) FROM pg_class c WHERE relname IN ('customers','orders','events')");
        System.out.printf("generated %,d rows (customers %,d, orders %,d, events %,d; %,d MB of heap) in %.0f s%n", data.total(),
                data.customers, data.orders, data.events, bytes >> 20, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * One untimed warm-up load (the target's first load also creates its WAL segment files; later ones
     * recycle them), then every contender {@code repeat} times, in turn.
     *
     * @param contenders any of ceiling, dump, restore, imago, text (Imago without binary COPY)
     * @return each contender's fastest run
     */
    List<Timing> run(java.util.Set<String> contenders, int repeat) throws Exception {
        System.out.println("  warm-up (not counted):");
        ceiling();
        Map<String, Timing> best = new java.util.LinkedHashMap<>();
        for (int i = 1; i <= repeat; i++) {
            if (repeat > 1) {
                System.out.printf("  round %d of %d:%n", i, repeat);
            }
            for (Timing t : round(contenders)) {
                best.merge(t.contender(), t, (a, b) -> a.seconds() <= b.seconds() ? a : b);
            }
        }
        return new ArrayList<>(best.values());
    }

    private List<Timing> round(java.util.Set<String> contenders) throws Exception {
        List<Timing> out = new ArrayList<>();
        if (contenders.contains("ceiling")) {
            out.add(ceiling());
        }
        if (contenders.contains("dump")) {
            out.add(dumpPipe());
        }
        if (contenders.contains("restore")) {
            out.add(dumpRestore());
        }
        if (contenders.contains("imago")) {
            out.add(imago(true, true));
        }
        if (contenders.contains("text")) {
            out.add(imago(false, true));
        }
        if (contenders.contains("nofreeze")) {
            out.add(imago(true, false));
        }
        if (contenders.contains("native")) {
            out.add(nativeSync());
        }
        return out;
    }

    /** Plain COPY TO STDOUT | COPY FROM STDIN, table after table, into heaps without any index: no tool does less. */
    private Timing ceiling() throws Exception {
        String db = "ceiling";
        target.createDatabase(db);
        target.exec(db, BulkLoadDataset.tables(false, true).toArray(String[]::new));
        return timed("COPY ceiling (1 stream/table, no indexes)", db, () -> {
            for (String t : data.rowsPerTable().keySet()) {
                Proc.bash(psql(source, SOURCE_DB) + " -c 'COPY " + t + " TO STDOUT' | " + psql(target, db) + " -c 'COPY " + t + " FROM STDIN' >/dev/null");
            }
        });
    }

    private Timing dumpPipe() throws Exception {
        String db = "dump_psql";
        target.createDatabase(db);
        return timed("pg_dump | psql", db, () -> Proc.bash(tool("pg_dump") + " " + String.join(" ", source.cli(SOURCE_DB))
                + " | " + psql(target, db) + " -v ON_ERROR_STOP=1 >/dev/null"));
    }

    /**
     * Native logical replication's initial sync: a publication of the three tables on the source, and on the target the
     * same (old) schema created first, keys, indexes and foreign keys included, as its documentation has it, then
     * {@code CREATE SUBSCRIPTION ... WITH (copy_data = true)}, timed until every table's state is 'r' (ready).
     * max_sync_workers_per_subscription is left at its default, 2: as many table copies at once as Imago's workers.
     */
    private Timing nativeSync() throws Exception {
        String db = "native_sync";
        String name = "bench_native";
        target.createDatabase(db);
        List<String> schema = new ArrayList<>(BulkLoadDataset.tables(false, false));
        schema.addAll(BulkLoadDataset.indexes());
        target.exec(db, schema.toArray(String[]::new));
        source.exec(SOURCE_DB, "DROP PUBLICATION IF EXISTS " + name, "CREATE PUBLICATION " + name + " FOR TABLE "
                + String.join(", ", data.rowsPerTable().keySet()));
        try {
            return timed("native logical replication initial sync (copy_data)", db, () -> {
                target.exec(db, "CREATE SUBSCRIPTION " + name + " CONNECTION 'host=127.0.0.1 port=" + source.port + " user=postgres dbname="
                        + SOURCE_DB + "' PUBLICATION " + name + " WITH (copy_data = true)");
                String notReady = "SELECT count(*) FILTER (WHERE srsubstate <> 'r') + " + data.rowsPerTable().size() + " - count(*) FROM pg_subscription_rel";
                while (count(target.endpoint(db), notReady) > 0) {
                    Thread.sleep(100);
                }
            }, () -> target.exec(db, "DROP SUBSCRIPTION " + name)); // a database with a subscription cannot be dropped
        } finally {
            source.exec(SOURCE_DB, "DROP PUBLICATION IF EXISTS " + name);
        }
    }

    private Timing dumpRestore() throws Exception {
        String db = "dump_restore";
        target.createDatabase(db);
        Path dir = work.resolve("dump");
        Proc.bash("rm -rf " + dir);
        try {
            return timed("pg_dump -Fd -j" + parallelism + " + pg_restore -j" + parallelism, db, () -> {
                Proc.bash(tool("pg_dump") + " " + String.join(" ", source.cli(SOURCE_DB)) + " -Fd -j " + parallelism + " -f " + dir);
                Proc.bash(tool("pg_restore") + " " + String.join(" ", target.cli(db)) + " -j " + parallelism + " --exit-on-error " + dir);
            });
        } finally {
            Proc.bash("rm -rf " + dir);
        }
    }

    private String imagoName(boolean binary, boolean freeze) {
        return "Imago SnapshotCopier (" + (binary ? "binary where possible" : "text only") + ", parallelism " + parallelism
                + (freeze ? "" : ", no FREEZE") + ")";
    }

    private Timing imago(boolean binary, boolean freeze) throws Exception {
        String db = binary ? freeze ? "imago_binary" : "imago_nofreeze" : "imago_text";
        target.createDatabase(db);
        List<String> schema = new ArrayList<>(BulkLoadDataset.tables(true, false));
        schema.addAll(BulkLoadDataset.indexes());
        target.exec(db, schema.toArray(String[]::new));
        PgEndpoint src = source.endpoint(SOURCE_DB);
        PgEndpoint tgt = target.endpoint(db);
        List<TableMigration> plan;
        try (Connection s = src.connect(); Connection t = tgt.connect()) {
            plan = MigrationPlanner.resolve(s, t, null, TRANSFORMS);
        }
        String slot = "bench_bulk";
        try {
            String name = imagoName(binary, freeze);
            CopyPhase phase = new CopyPhase();
            Timing t = timed(name, db, () -> {
                SnapshotResult r = new SnapshotCopier(src, tgt, slot, slot, parallelism, phase).withBinaryCopy(binary).withFreeze(freeze).copy(plan);
                if (r.totalRows() != data.total()) {
                    throw new IllegalStateException("Imago loaded " + r.totalRows() + " rows, expected " + data.total());
                }
            });
            System.out.printf("    of which rows streaming: %.1f s (%,.0f rows/s); before: %.1f s; after (indexes, constraints, sequences): %.1f s%n",
                    phase.streamingSeconds(), data.total() / phase.streamingSeconds(), phase.beforeSeconds(), t.seconds() - phase.endSeconds());
            System.out.printf("    seconds from the start: %s%n", phase.timeline());
            return binary && freeze ? t.withPhase(phase.streamingSeconds()) : t;
        } finally {
            SnapshotCopier.dropSlotAndPublication(src, slot, slot);
        }
    }

    interface Load {
        void run() throws Exception;
    }

    /** Times one load into {@code db}, checks its row counts and secondary indexes, then drops the database. */
    private Timing timed(String contender, String db, Load load) throws Exception {
        return timed(contender, db, load, () -> {
        });
    }

    /** @param untimed runs right after the load, outside the time */
    private Timing timed(String contender, String db, Load load, Load untimed) throws Exception {
        // Nothing left over from the previous load or the generation: no checkpoint due, hint bits set.
        source.exec("postgres", "CHECKPOINT");
        target.exec("postgres", "CHECKPOINT");
        System.out.printf("  %s ...%n", contender);
        long t0 = System.nanoTime();
        double secs;
        try {
            load.run();
            secs = (System.nanoTime() - t0) / 1e9;
        } finally {
            untimed.run();
        }
        for (Map.Entry<String, Long> e : data.rowsPerTable().entrySet()) {
            long n = count(target.endpoint(db), "SELECT count(*) FROM " + e.getKey());
            if (n != e.getValue()) {
                throw new IllegalStateException(contender + ": " + e.getKey() + " holds " + n + " rows, expected " + e.getValue());
            }
        }
        long indexes = count(target.endpoint(db), "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'");
        System.out.printf("  %s: %.1f s, %,.0f rows/s, %d indexes (load average %s)%n", contender, secs, data.total() / secs, indexes,
                Bench.loadAverage());
        target.dropDatabase(db);
        return new Timing(contender, secs, data.total());
    }

    private static String tool(String name) {
        return PgServer.BIN.resolve(name).toString();
    }

    private static String psql(PgServer s, String db) {
        return tool("psql") + " -X -q " + String.join(" ", s.cli(db));
    }

    static long count(PgEndpoint e, String sql) throws SQLException {
        try (Connection c = e.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void printRatios(List<Timing> t) {
        System.out.println();
        System.out.println("Bulk load (" + String.format("%,d", t.get(0).rows()) + " rows; best run of each; ratios are throughput, above 1 = Imago faster):");
        for (Timing x : t) {
            System.out.printf("  %-62s %7.1f s %,10.0f rows/s%n", x.contender(), x.seconds(), x.rowsPerSecond());
        }
        Timing imago = t.stream().filter(x -> x.streamingSeconds() > 0).findFirst().orElse(null);
        if (imago == null) {
            return;
        }
        for (Timing x : t) {
            if (x != imago) {
                System.out.printf("  imago / %-53s %.2fx%n", x.contender(), imago.speedVs(x));
            }
        }
        // The same comparisons as load times (below 1 = Imago faster), as the targets state them.
        for (Timing x : t) {
            if (x != imago) {
                System.out.printf("  imago time / %-48s %.2f%n", x.contender() + " time", imago.seconds() / x.seconds());
            }
        }
        t.stream().filter(x -> x.contender().startsWith("COPY ceiling")).findFirst().ifPresent(c -> System.out.printf(
                "  imago rows streaming only (%.1f s, no index builds) / %s  %.2fx%n", imago.streamingSeconds(), c.contender(),
                c.seconds() / imago.streamingSeconds()));
    }
}
