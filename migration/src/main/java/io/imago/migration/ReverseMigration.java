package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The way back after a switch: the changes made on the new database, shipped to the old one through
 * the inverse of each table's migration. Renames are undone, columns the migration added are left
 * out (the old schema never had them), and old columns the migration dropped take their default on
 * rows written on the new side. The inverse is resolved by {@link MigrationPlanner} like any other
 * migration, so whatever it cannot map (say a dropped {@code NOT NULL} column without a default)
 * marks that table as one whose writes a rollback would lose.
 *
 * <p>On the new database a publication and a logical slot record its changes from before the
 * switch; a rollback ships them from the switch position on (see {@link #switchPosition}), so
 * changes the forward shipping itself wrote there are never sent back.
 */
public final class ReverseMigration {
    /**
     * @param transforms the inverse transforms that resolved, as {@link #resolveInverse} takes them back
     * @param tables the inverse migrations, keyed by the new database's tables (their "source" side)
     * @param lossy new database tables whose writes would not reach the old database, with the reason
     */
    public record Plan(List<TableTransform> transforms, List<TableMigration> tables, Map<String, String> lossy) {
        public Plan {
            transforms = List.copyOf(transforms);
            tables = List.copyOf(tables);
            lossy = Collections.unmodifiableMap(new LinkedHashMap<>(lossy));
        }

        public boolean lossless() {
            return lossy.isEmpty();
        }
    }

    private ReverseMigration() {
    }

    /**
     * @param newDb the database that went live (source of the way back)
     * @param oldDb the replaced database (its target)
     * @param forward the migration that filled {@code newDb} from {@code oldDb}
     */
    public static Plan resolve(Connection newDb, Connection oldDb, List<TableMigration> forward) throws SQLException {
        Map<String, PgCatalog.Table> newTables = PgCatalog.publicTables(newDb);
        Map<String, String> missing = new LinkedHashMap<>();
        List<TableTransform> inverses = new ArrayList<>();
        for (TableMigration m : forward) {
            PgCatalog.Table t = newTables.get(m.targetTable());
            if (t == null) {
                missing.put(m.targetTable(), "no longer exists in the new database");
            } else {
                inverses.add(inverse(m, t));
            }
        }
        Plan plan = resolveInverse(newDb, oldDb, inverses);
        Map<String, String> lossy = new LinkedHashMap<>(plan.lossy());
        lossy.putAll(missing);
        return new Plan(plan.transforms(), plan.tables(), lossy);
    }

    /**
     * Resolves inverse transforms (from {@link Plan#transforms}) against the catalogs as they are now.
     * Every table of the new database that no transform ships back is lossy.
     */
    public static Plan resolveInverse(Connection newDb, Connection oldDb, List<TableTransform> inverses) throws SQLException {
        Map<String, String> lossy = new LinkedHashMap<>();
        List<TableTransform> resolved = new ArrayList<>();
        List<TableMigration> back = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        for (TableTransform inv : inverses) {
            covered.add(inv.sourceTable());
            try {
                back.addAll(MigrationPlanner.resolve(newDb, oldDb, List.of(inv.sourceTable()), List.of(inv)));
                resolved.add(inv);
            } catch (MigrationPlanException e) {
                lossy.put(inv.sourceTable(), "cannot be mapped back: " + String.join("; ", e.problems()));
            }
        }
        for (String name : PgCatalog.publicTables(newDb).keySet()) {
            if (!covered.contains(name)) {
                lossy.put(name, "is not migrated from the old universe (skipped, or new in this version), so its writes are not shipped back");
            }
        }
        return new Plan(resolved, back, lossy);
    }

    /** The forward migration of one table turned around, for the new table as it is now. */
    static TableTransform inverse(TableMigration m, PgCatalog.Table newTable) {
        TableTransform t = TableTransform.of(m.targetTable()).renameTo(m.sourceTable());
        Set<String> mapped = new HashSet<>();
        for (ColumnMapping c : m.columns()) {
            mapped.add(c.targetColumn());
            if (c.sourceColumn() == null) {
                t = t.dropColumn(c.targetColumn()); // derived by addColumns: the old schema has no place for it
            } else if (!c.sourceColumn().name().equals(c.targetColumn())) {
                t = t.renameColumn(c.targetColumn(), c.sourceColumn().name());
            }
        }
        for (PgCatalog.Column c : newTable.columns()) {
            if (!mapped.contains(c.name())) {
                t = t.dropColumn(c.name()); // new in this version, or generated there
            }
        }
        // Publishing a table without a key would make the live application's updates and deletes fail.
        return newTable.primaryKey().isEmpty() ? t.withReplicaIdentityFull() : t;
    }

    /**
     * On the new database: the publication of the tables that ship back, and the slot that keeps their
     * changes from now on. Idempotent (an existing slot is kept: it only starts earlier). Call before
     * the switch's write pause: creating a slot waits for the transactions running at that moment.
     */
    public static void prepare(PgEndpoint newAdmin, String slot, String publication, Plan plan) throws SQLException {
        ReplicationSlots.checkName(slot);
        if (plan.tables().isEmpty()) {
            return; // nothing can ship back: a rollback loses every write anyway, and needs no slot
        }
        try (Connection c = newAdmin.connect()) {
            // The same preparation as a migration's source: replica identity where there is no key, then the publication.
            SnapshotCopier.prepareSource(c, publication, plan.tables());
            ReplicationSlots.createIfAbsent(c, slot);
        }
    }

    /**
     * The new database's log position once the forward shipping has drained and before any user writes
     * there: shipping back from here sends exactly the writes made on the new universe.
     */
    public static Lsn switchPosition(PgEndpoint newAdmin) throws SQLException {
        try (Connection c = newAdmin.connect()) {
            return switchPosition(c);
        }
    }

    /** {@link #switchPosition(PgEndpoint)} on a connection already open (inside the write pause, a connect costs). */
    public static Lsn switchPosition(Connection newDb) throws SQLException {
        try (Statement st = newDb.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }
}
