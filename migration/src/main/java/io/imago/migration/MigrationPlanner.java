package io.imago.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves which tables migrate and how, against the catalogs of both databases, before anything is
 * changed. Every problem is collected, so one run shows the user all there is to fix.
 */
public final class MigrationPlanner {
    private MigrationPlanner() {
    }

    /**
     * @param tables source tables to migrate (schema public), or null for all of them
     * @param transforms at most one per source table
     * @throws MigrationPlanException listing every problem found
     */
    public static List<TableMigration> resolve(Connection source, Connection target, List<String> tables,
                                               List<TableTransform> transforms) throws SQLException {
        Map<String, PgCatalog.Table> src = PgCatalog.publicTables(source);
        Map<String, PgCatalog.Table> tgt = PgCatalog.publicTables(target);
        List<String> problems = new ArrayList<>();

        Map<String, TableTransform> bySource = new LinkedHashMap<>();
        for (TableTransform t : transforms == null ? List.<TableTransform>of() : transforms) {
            if (bySource.putIfAbsent(t.sourceTable(), t) != null) {
                problems.add("table '" + t.sourceTable() + "' has more than one transform: merge them into one");
            } else if (!src.containsKey(t.sourceTable())) {
                problems.add("a transform names table '" + t.sourceTable() + "', which does not exist in the source database (schema public)"
                        + Hints.didYouMean(t.sourceTable(), src.keySet()));
            }
        }

        Set<String> selected = new LinkedHashSet<>();
        for (String name : tables == null ? List.copyOf(src.keySet()) : tables) {
            if (!src.containsKey(name)) {
                problems.add("table '" + name + "' does not exist in the source database (schema public)" + Hints.didYouMean(name, src.keySet()));
            } else if (!bySource.getOrDefault(name, TableTransform.of(name)).skip()) {
                selected.add(name);
            }
        }

        Set<String> typeNames = new HashSet<>();
        selected.forEach(n -> src.get(n).columns().forEach(c -> typeNames.add(c.type())));
        Set<String> knownToTarget = PgCatalog.knownTypes(target, typeNames);

        List<TableMigration> result = new ArrayList<>();
        Map<String, String> sourceOfTarget = new HashMap<>();
        for (String name : selected) {
            TableTransform t = bySource.getOrDefault(name, TableTransform.of(name));
            String clash = sourceOfTarget.putIfAbsent(t.targetTable(), name);
            if (clash != null) {
                problems.add("tables '" + clash + "' and '" + name + "' would both load target table '" + t.targetTable() + "'");
            }
            int before = problems.size();
            TableMigration m = resolveTable(src.get(name), t, tgt.get(t.targetTable()), tgt.keySet(), knownToTarget, problems);
            if (m != null && problems.size() == before) {
                checkExpressions(target, m, problems);
                result.add(m);
            }
        }
        if (!problems.isEmpty()) {
            throw new MigrationPlanException(problems);
        }
        return List.copyOf(result);
    }

    private static TableMigration resolveTable(PgCatalog.Table s, TableTransform t, PgCatalog.Table target, Set<String> targetTables,
                                               Set<String> knownToTarget, List<String> problems) {
        String of = "the transform of '" + s.name() + "'";
        Set<String> sourceNames = new LinkedHashSet<>();
        s.columns().forEach(c -> sourceNames.add(c.name()));
        t.renameColumns().keySet().stream().filter(c -> !sourceNames.contains(c)).forEach(c -> problems.add(
                of + " renames column '" + c + "', which does not exist in source table '" + s.name() + "'" + Hints.didYouMean(c, sourceNames)));
        t.dropColumns().stream().filter(c -> !sourceNames.contains(c)).forEach(c -> problems.add(
                of + " drops column '" + c + "', which does not exist in source table '" + s.name() + "'" + Hints.didYouMean(c, sourceNames)));
        t.dropColumns().stream().filter(t.renameColumns()::containsKey).forEach(c -> problems.add(
                of + " both renames and drops column '" + c + "'"));

        if (s.primaryKey().isEmpty() && !t.replicaIdentityFull()) {
            problems.add("table '" + s.name() + "' has no primary key: add one or set replicaIdentity: full on its transform");
        }
        // Log shipping finds the target row of an update or delete by its key: the key must survive.
        s.primaryKey().stream().filter(t.dropColumns()::contains).forEach(k -> problems.add(
                of + " drops primary key column '" + k + "': changes to the row could not be applied to the target"));
        if (s.replicaIdentity() == 'n' && !t.replicaIdentityFull()) {
            problems.add("table '" + s.name() + "' has REPLICA IDENTITY NOTHING, so its updates and deletes cannot be shipped:"
                    + " set replicaIdentity: full on its transform");
        }

        if (target == null) {
            problems.add("target table '" + t.targetTable() + "'" + (t.targetTable().equals(s.name()) ? "" : " (from source table '" + s.name() + "')")
                    + " does not exist in the target database (schema public)" + Hints.didYouMean(t.targetTable(), targetTables));
            return null;
        }

        List<SourceColumn> sourceColumns = s.columns().stream()
                .map(c -> new SourceColumn(c.name(), c.type(), knownToTarget.contains(c.type()))).toList();
        Set<String> targetNames = new LinkedHashSet<>();
        target.columns().forEach(c -> targetNames.add(c.name()));
        List<ColumnMapping> mappings = new ArrayList<>();
        Set<String> filled = new HashSet<>();
        for (SourceColumn c : sourceColumns) {
            if (t.dropColumns().contains(c.name())) {
                continue;
            }
            String name = t.renameColumns().getOrDefault(c.name(), c.name());
            PgCatalog.Column tc = target.column(name).orElse(null);
            if (tc == null) {
                problems.add("column '" + name + "'" + (name.equals(c.name()) ? "" : " (source column '" + c.name() + "')")
                        + " of source table '" + s.name() + "' does not exist in target table '" + target.name() + "'"
                        + Hints.didYouMean(name, targetNames) + (name.equals(c.name()) ? ": drop or rename it in the transform" : ""));
            } else if (!filled.add(name)) {
                problems.add(of + " fills target column '" + name + "' twice");
            } else if (!tc.generated()) { // a generated target column is computed by the target itself
                mappings.add(new ColumnMapping(name, tc.type(), c, null));
            }
        }
        t.addColumns().forEach((name, expr) -> {
            PgCatalog.Column tc = target.column(name).orElse(null);
            if (tc == null) {
                problems.add("column '" + name + "' added by " + of + " does not exist in target table '" + target.name() + "'"
                        + Hints.didYouMean(name, targetNames));
            } else if (tc.generated()) {
                problems.add("column '" + name + "' added by " + of + " is a generated column of target table '" + target.name() + "'");
            } else if (!filled.add(name)) {
                problems.add(of + " fills target column '" + name + "' twice");
            } else {
                mappings.add(new ColumnMapping(name, tc.type(), null, expr));
            }
        });
        if (mappings.isEmpty()) {
            problems.add(of + " leaves no column to load into target table '" + target.name() + "'");
        }
        target.columns().stream()
                .filter(c -> c.notNull() && !c.hasDefault() && !c.identity() && !c.generated() && !filled.contains(c.name()))
                .forEach(c -> problems.add("target column '" + target.name() + "." + c.name() + "' is NOT NULL without a default and "
                        + "nothing fills it: add it with addColumns"));
        return new TableMigration(s.name(), target.name(), sourceColumns, s.primaryKey(), mappings, t.where(),
                t.replicaIdentityFull(), s.relkind() == 'p', s.estimatedRows());
    }

    /** Has the target parse and plan the conversion (EXPLAIN runs nothing), so a typo fails now, not mid-copy. */
    private static void checkExpressions(Connection target, TableMigration m, List<String> problems) throws SQLException {
        if (m.direct()) {
            return;
        }
        // Before anything reaches the target: the driver would run every ';'-separated part of the EXPLAIN below.
        List<String> unsafe = new ArrayList<>();
        if (m.where() != null) {
            Expressions.problem(m.where()).ifPresent(p -> unsafe.add("the where of '" + m.sourceTable() + "' " + p));
        }
        m.columns().stream().filter(ColumnMapping::isExpression).forEach(c -> Expressions.problem(c.expression())
                .ifPresent(p -> unsafe.add("the expression of column '" + c.targetColumn() + "' added to '" + m.targetTable() + "' " + p)));
        if (!unsafe.isEmpty()) {
            problems.addAll(unsafe);
            return;
        }
        TransformSql sql = new TransformSql(m);
        Savepoint sp = target.getAutoCommit() ? null : target.setSavepoint();
        try (Statement st = target.createStatement()) {
            st.execute("EXPLAIN " + sql.insertFrom(sql.typedNullRelation()));
        } catch (SQLException e) {
            if (sp != null) {
                target.rollback(sp);
            }
            problems.add("the target cannot convert the rows of '" + m.sourceTable() + "' (addColumns, where or a column type change): "
                    + firstLine(e.getMessage()));
            return;
        }
        if (sp != null) {
            target.releaseSavepoint(sp);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
