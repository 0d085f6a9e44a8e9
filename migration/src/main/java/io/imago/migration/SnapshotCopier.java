package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The bulk load of a new universe's database from the old one:
 * <ol>
 *   <li>on the source, the publication for the migrated tables (and replica identity full where the
 *       plan asks for it);</li>
 *   <li>the target tables truncated, so a re-run after a crash starts clean, and their secondary indexes
 *       and constraints recorded and dropped ({@link DeferredIndexes});</li>
 *   <li>big tables split into primary-key ranges ({@link KeyRanges});</li>
 *   <li>a fresh logical slot exporting a snapshot (a slot left by an earlier run is dropped first);</li>
 *   <li>the tables and ranges copied in parallel, every copy reading that snapshot, in COPY's binary format
 *       where source and target types are the same built-in types, in text otherwise; a table copied in one
 *       piece is truncated again in its load's transaction and loaded with {@code COPY ... FREEZE};</li>
 *   <li>meanwhile, the dropped indexes and constraints built again, each table's as soon as its rows are in,
 *       each foreign key once both its tables have theirs ({@link IndexBuilds});</li>
 *   <li>the target's sequences moved past the loaded keys.</li>
 * </ol>
 * Log shipping then starts at the slot's consistent point: snapshot and log meet exactly.
 */
public final class SnapshotCopier {
    private static final Duration SOURCE_LOCK_TIMEOUT = Duration.ofSeconds(10);

    private final PgEndpoint source;
    /** Who reads the source; the owner unless {@link #withReader} says otherwise. */
    private PgEndpoint reader;
    private final PgEndpoint target;
    private final String slot;
    private final String publication;
    private final int parallelism;
    private final CopyProgress progress;
    private final boolean binary;
    private final long minChunkRows;
    private final boolean freeze;

    /**
     * @param source must be allowed to create slots and publications (replication privilege, owner of the
     *     tables or superuser)
     * @param slot 1-63 lower case letters, digits or underscores (PostgreSQL's rule)
     */
    public SnapshotCopier(PgEndpoint source, PgEndpoint target, String slot, String publication, int parallelism, CopyProgress progress) {
        this(source, target, slot, publication, parallelism, progress, true, KeyRanges.DEFAULT_MIN_CHUNK_ROWS, true);
    }

    private SnapshotCopier(PgEndpoint source, PgEndpoint target, String slot, String publication, int parallelism, CopyProgress progress,
                           boolean binary, long minChunkRows, boolean freeze) {
        this.binary = binary;
        this.freeze = freeze;
        this.minChunkRows = minChunkRows;
        this.source = Objects.requireNonNull(source, "source");
        this.reader = source;
        this.target = Objects.requireNonNull(target, "target");
        this.slot = ReplicationSlots.checkName(slot);
        this.publication = Objects.requireNonNull(publication, "publication");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1: " + parallelism);
        }
        this.parallelism = parallelism;
        this.progress = progress == null ? CopyProgress.NONE : progress;
    }

    /**
     * Reads the source (the slot and its exported snapshot, the key ranges, the copy itself) as {@code reader}, a role
     * with SELECT and REPLICATION only, so that nothing the copy runs there can write; the source endpoint given at
     * construction (its owner) only prepares the publication and replica identity. Without it, the owner reads too.
     */
    public SnapshotCopier withReader(PgEndpoint reader) {
        return copy(binary, minChunkRows, freeze, Objects.requireNonNull(reader, "reader"));
    }

    /** The same copier, with COPY's binary format allowed (the default) or not: for measuring, and as an escape hatch. */
    public SnapshotCopier withBinaryCopy(boolean allowed) {
        return copy(allowed, minChunkRows, freeze, reader);
    }

    /**
     * The same copier, loading a table copied in one piece with {@code COPY ... FREEZE} after truncating it in the same
     * transaction (the default) or not: for measuring, and as an escape hatch.
     */
    public SnapshotCopier withFreeze(boolean allowed) {
        return copy(binary, minChunkRows, allowed, reader);
    }

    /** The same copier, splitting tables of at least twice this many (estimated) rows into key ranges; for tests. */
    SnapshotCopier withMinChunkRows(long rows) {
        return copy(binary, rows, freeze, reader);
    }

    private SnapshotCopier copy(boolean binaryAllowed, long rows, boolean freezeAllowed, PgEndpoint readAs) {
        SnapshotCopier c = new SnapshotCopier(source, target, slot, publication, parallelism, progress, binaryAllowed, rows, freezeAllowed);
        c.reader = readAs;
        return c;
    }

    /** Copies the tables {@link MigrationPlanner#resolve} resolved. Safe to re-run: each run starts over. */
    public SnapshotResult copy(List<TableMigration> tables) throws SQLException {
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("no tables to copy");
        }
        Set<String> targets = new HashSet<>();
        tables.forEach(m -> {
            if (!targets.add(m.targetTable())) {
                throw new IllegalArgumentException("two tables load target table '" + m.targetTable() + "'");
            }
        });
        long start = System.nanoTime();
        List<CopyChunk> chunks = new ArrayList<>();
        List<DeferredIndexes.Deferred> deferred;
        Set<String> freezable;
        try (Connection src = source.connect(); Connection tgt = target.connect()) {
            refuseSameDatabase(src, tgt);
            prepareSource(src, publication, tables);
            ReplicationSlots.dropIfExists(src, slot);
            truncate(tgt, tables);
            DeferredIndexes.defer(tgt, targets);
            deferred = DeferredIndexes.recorded(tgt);
            freezable = freeze ? TableCopy.freezable(tgt, targets) : Set.of();
        }
        // Before the slot exists: the exported snapshot then only waits for the workers to connect.
        try (Connection src = reader.connect()) {
            KeyRanges ranges = new KeyRanges(parallelism, minChunkRows);
            long totalRows = tables.stream().mapToLong(TableMigration::estimatedRows).sum();
            for (TableMigration m : tables) {
                chunks.addAll(loadWhole(m, totalRows, freezable) ? List.of(CopyChunk.whole(m)) : ranges.split(src, m));
            }
        }
        ExportedSnapshot snapshot;
        Map<String, Long> loaded;
        // Each table's indexes are built (and it is analyzed) as soon as its rows are in, while the others still copy.
        List<String> biggestFirst = tables.stream().sorted(Comparator.comparingLong(TableMigration::estimatedRows).reversed())
                .map(TableMigration::targetTable).toList();
        try (IndexBuilds builds = new IndexBuilds(target, parallelism, progress, deferred, biggestFirst)) {
            try (Connection replication = reader.connectReplication()) {
                snapshot = ReplicationSlots.createExporting(replication, slot);
                loaded = copyRows(builds, snapshot, chunks, freezable, replication);
            }
            builds.finish();
        }
        try (Connection tgt = target.connect()) {
            SequenceSync.advance(tgt, targets);
        }
        Map<String, Long> rows = new LinkedHashMap<>();
        tables.forEach(m -> rows.put(m.targetTable(), loaded.getOrDefault(m.targetTable(), 0L)));
        return new SnapshotResult(snapshot.consistentPoint(), snapshot.snapshotName(), rows, Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Whether a table that FREEZE applies to (a direct load into a {@link TableCopy#freezable} table) loads in one
     * piece, which FREEZE needs, rather than in key ranges: yes unless it is big enough to hold the copy up at its end,
     * i.e. more than half of one worker's share of all the rows. A single big table is still split.
     */
    private boolean loadWhole(TableMigration m, long totalRows, Set<String> freezable) {
        return m.direct() && freezable.contains(m.targetTable()) && m.estimatedRows() * 2 * parallelism <= totalRows;
    }

    /** Streams the chunks; the first failure, of a copy or of an index build, stops both and is the one reported. */
    private Map<String, Long> copyRows(IndexBuilds builds, ExportedSnapshot snapshot, List<CopyChunk> chunks, Set<String> freezable,
                                       Connection replication) throws SQLException {
        try {
            // The replication connection stays idle until every worker has imported the snapshot: its
            // next command (or closing it) would end the exporting transaction and the snapshot with it.
            return new ParallelCopy(reader, target, parallelism, binary, new LoadedTables(progress, builds), freezable)
                    .run(snapshot.snapshotName(), chunks, () -> {
                        try {
                            replication.close();
                        } catch (SQLException ignored) {
                            // the slot is permanent; a failed close only loses the snapshot nobody needs any more
                        }
                    });
        } catch (SQLException | RuntimeException e) {
            SQLException buildFailure = builds.abort();
            if (buildFailure != null) {
                buildFailure.addSuppressed(e);
                throw buildFailure;
            }
            throw e;
        }
    }

    /**
     * Builds the target's secondary indexes and constraints that a copy dropped and did not get to build
     * again (it failed or was killed): {@link #copy} does it anyway when it completes. Idempotent.
     *
     * @return how many were built
     */
    public static int restoreDeferredIndexes(PgEndpoint target, int parallelism) throws SQLException {
        return DeferredIndexes.restore(target, Math.max(1, parallelism));
    }

    /** Teardown: drops the slot (releasing the WAL it holds) and the publication. Idempotent; a null name is skipped. */
    public static void dropSlotAndPublication(PgEndpoint source, String slot, String publication) throws SQLException {
        // Brief: this runs after a flip too, when the old server may have stopped answering.
        try (Connection c = source.connectFor(Duration.ofSeconds(ReplicationSlots.RELEASE_WAIT_MILLIS / 1000 + 5))) {
            if (slot != null) {
                ReplicationSlots.dropIfExists(c, slot);
            }
            if (publication != null) {
                Publications.dropIfExists(c, publication);
            }
        }
    }

    /**
     * The source-side DDL of {@link #copy}: replica identity full where the plan asks for it, and the
     * publication. Idempotent, and once done it takes no lock: call it BEFORE fencing writes with table
     * locks, since creating a publication must lock the tables (SHARE UPDATE EXCLUSIVE) and would
     * otherwise wait for the fence to end. {@link #copy} calls it again, as a no-op.
     */
    public void prepareSource(List<TableMigration> tables) throws SQLException {
        try (Connection src = source.connect()) {
            prepareSource(src, publication, tables);
        }
    }

    /**
     * Before the publication: once a table is published, an UPDATE or DELETE on it fails on the source
     * unless it has a replica identity, so the live application would break. Tables without a primary
     * key must therefore identify rows by the whole old row.
     */
    static void prepareSource(Connection src, String publication, List<TableMigration> tables) throws SQLException {
        try (Statement st = src.createStatement()) {
            // Waiting for a table lock also queues every later query on that table behind us: on a live
            // database give up soon instead, and say why.
            st.execute("SET lock_timeout = '" + SOURCE_LOCK_TIMEOUT.toMillis() + "ms'");
            for (TableMigration m : tables) {
                if (m.replicaIdentityFull() && replicaIdentity(src, m.sourceTable()) != 'f') {
                    st.execute("ALTER TABLE " + Sql.table(m.sourceTable()) + " REPLICA IDENTITY FULL");
                }
            }
            Publications.ensure(src, publication, tables);
            st.execute("RESET lock_timeout");
        } catch (SQLException e) {
            if (PgErrors.lockTimeout(e)) {
                throw new SQLException("another session holds a lock on the source tables (a write fence? a long ALTER or VACUUM?), so the "
                        + "publication cannot be set up: call prepareSource before fencing writes, or retry later (" + e.getMessage() + ")",
                        e.getSQLState(), e);
            }
            throw e;
        }
    }

    private static char replicaIdentity(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT relreplident FROM pg_class WHERE oid = " + Sql.literal(Sql.table(table)) + "::regclass")) {
            rs.next();
            return rs.getString(1).charAt(0);
        }
    }

    /** One statement for all tables: PostgreSQL refuses to truncate a table referenced by a foreign key alone. */
    private static void truncate(Connection tgt, List<TableMigration> tables) throws SQLException {
        try (Statement st = tgt.createStatement()) {
            st.execute("TRUNCATE " + tables.stream().map(m -> Sql.table(m.targetTable())).collect(Collectors.joining(", ")));
        }
    }

    /** Truncating the target is only safe when it is not the source: a misconfigured endpoint must not wipe live data. */
    private static void refuseSameDatabase(Connection src, Connection tgt) throws SQLException {
        String a = identity(src);
        String b = identity(tgt);
        if (a != null && a.equals(b)) {
            throw new IllegalArgumentException("source and target are the same database (" + a + "); refusing to truncate it");
        }
    }

    private static String identity(Connection c) {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT system_identifier::text || '/' || current_database() FROM pg_control_system()")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null; // pg_control_system() is not granted everywhere; then the check is skipped
        }
    }
}
