package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.MigrationSpec;
import io.imago.blueprints.TransformSpec;
import io.imago.migration.LiveCatalog;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.ArrayList;
import java.util.List;

/**
 * Log shipping needs a key for every migrated table: checked against the live universe's catalog
 * before anything is rented, so plan, validate and apply refuse such tables by name.
 */
final class KeyCheck {
    private KeyCheck() {}

    /** Problems, one per table; empty when every migrated table has a primary key or replicaIdentity: full. */
    static List<String> problems(Blueprint bp, StateStore store, Reporter reporter) {
        if (bp.replaces() == null || bp.database() == null) {
            return List.of();
        }
        UniverseState old = store.universe(bp.replaces()).orElse(null);
        if (old == null) {
            return List.of();
        }
        MigrationSpec m = bp.migrationOrDefault();
        List<String> problems = new ArrayList<>();
        try {
            var admin = Resources.adminOf(old, store, reporter);
            if (admin.isEmpty()) {
                return List.of();
            }
            for (String table : LiveCatalog.tablesWithoutPrimaryKey(admin.get())) {
                boolean migrated = m.allTables() || m.tables().contains(table);
                TransformSpec t = m.transformFor(table).orElse(null);
                if (migrated && (t == null || (!t.skip() && !t.replicaIdentityFull()))) {
                    problems.add("table '" + table + "' of " + old.name() + " has no primary key: add one, or set "
                            + "replicaIdentity: full on its transform, or skip: true");
                }
            }
        } catch (Exception e) {
            reporter.warn("could not check the keys of " + old.name() + "'s tables: " + e.getMessage());
        }
        return problems;
    }
}
