package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.MigrationSpec;
import io.imago.blueprints.TransformSpec;
import io.imago.migration.LiveCatalog;
import io.imago.migration.MigrationPlanException;
import io.imago.migration.MigrationPlanner;
import io.imago.migration.PgEndpoint;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.SnapshotResult;
import io.imago.migration.TableMigration;
import io.imago.migration.TableTransform;
import io.imago.providers.spi.DatabaseCredentials;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Copies the old universe's tables, in one consistent snapshot exported by a logical replication
 * slot, through the transforms into the new schema. The old universe keeps serving reads and
 * writes: the slot keeps every change made after the snapshot for CATCH_UP to ship.
 */
final class SnapshotStep implements Step {
    @Override
    public StepName name() {
        return StepName.SNAPSHOT;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return ctx.old != null && ctx.bp.database() != null;
    }

    @Override
    public boolean planned(Blueprint bp) {
        return bp.replaces() != null && bp.database() != null;
    }

    @Override
    public String preview(Blueprint bp) {
        MigrationSpec m = bp.migrationOrDefault();
        String tables = m.allTables() ? "every table" : String.join(", ", m.tables());
        return "copy " + tables + " of " + bp.replaces() + " in one snapshot, " + m.parallelism() + " in parallel, through "
                + Plural.count(m.transforms().size(), "transform") + "; " + bp.replaces() + " keeps serving reads and writes";
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        long t0 = System.nanoTime();
        MigrationSpec m = ctx.bp.migrationOrDefault();
        PgEndpoint source = endpoint(ctx.oldDb(true));
        PgEndpoint target = endpoint(ctx.db(true));
        List<TableMigration> tables = resolve(ctx, source, target);
        String slot = slotName(ctx.bp.universe());
        SnapshotProgress progress = progress(ctx);
        PgEndpoint reader = endpoint(ctx.oldReader());
        SnapshotCopier copier = new SnapshotCopier(source, target, slot, slot, m.parallelism(), progress).withReader(reader);
        copier.prepareSource(tables);
        var sizes = Calibrating.sizes(ctx, reader, tables.stream().map(TableMigration::sourceTable).toList());
        SnapshotResult result = copier.copy(tables);
        Calibrating.snapshot(ctx, progress, sizes, (System.nanoTime() - t0) / 1e9);
        long rows = result.rowsPerTargetTable().values().stream().mapToLong(Long::longValue).sum();
        double secs = Math.max(0.001, result.elapsed().toMillis() / 1000.0);
        ctx.update(s -> Fact.ROWS_COPIED.set(Fact.SNAPSHOT_LSN.set(Fact.PUBLICATION.set(Fact.SLOT.set(s, slot), slot),
                result.consistentPoint()), rows));
        return String.format("%s in %s in %s (%,.0f rows/s), consistent at %s", Plural.count(rows, "row"),
                Plural.count(tables.size(), "table"), TimeSpans.human(result.elapsed()), rows / secs, result.consistentPoint());
    }

    /** Every table of the source, migrated or not (see {@link LiveCatalog#publicTables}). */
    static List<String> publicTables(PgEndpoint source) throws SQLException {
        return LiveCatalog.publicTables(source);
    }

    /** The migration resolved against both catalogs, once per run (the schemas do not change during an apply). */
    static List<TableMigration> resolve(ApplyContext ctx, PgEndpoint source, PgEndpoint target) throws SQLException {
        if (ctx.tables == null) {
            ctx.tables = resolveNow(ctx, source, target);
        }
        return ctx.tables;
    }

    private static List<TableMigration> resolveNow(ApplyContext ctx, PgEndpoint source, PgEndpoint target) throws SQLException {
        MigrationSpec m = ctx.bp.migrationOrDefault();
        List<TableTransform> transforms = m.transforms().stream().map(SnapshotStep::transform).toList();
        try (Connection s = source.connect(); Connection t = target.connect()) {
            return MigrationPlanner.resolve(s, t, m.allTables() ? null : m.tables(), transforms);
        } catch (MigrationPlanException e) {
            throw EngineException.failed("the migration does not fit the schemas:\n  - " + String.join("\n  - ", e.problems()));
        }
    }

    static TableTransform transform(TransformSpec t) {
        return new TableTransform(t.table(), t.targetTable(), t.renameColumns(), t.addColumns(), t.dropColumns(), t.where(),
                t.skip(), t.replicaIdentityFull());
    }

    static PgEndpoint endpoint(DatabaseCredentials c) {
        return new PgEndpoint(c.host(), c.port(), c.database(), c.user(), c.password(), c.sslRootCert());
    }

    static String slotName(String universe) {
        return "imago_" + universe.replace('-', '_');
    }

    /** Aggregates per-table progress into one reading: rows so far of every table's estimate, then the indexes. */
    private static SnapshotProgress progress(ApplyContext ctx) {
        return new SnapshotProgress(ctx.reporter, () -> FaultInjection.at(StepName.SNAPSHOT, "copying"));
    }
}
