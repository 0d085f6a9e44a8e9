package io.imago.migration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one source table (schema public) becomes a target table: the blueprint's {@code transforms} entry.
 * Expressions in {@code addColumns} and {@code where} are SQL over the source row's columns, evaluated by
 * the target database. Maps keep their insertion order so generated SQL follows the blueprint's order.
 *
 * @param targetTable the source name when not renamed
 * @param where null when every row is kept
 * @param replicaIdentityFull the table has no primary key; changes are identified by the whole old row
 */
public record TableTransform(String sourceTable, String targetTable, Map<String, String> renameColumns,
                             Map<String, String> addColumns, List<String> dropColumns, String where,
                             boolean skip, boolean replicaIdentityFull) {

    public TableTransform {
        Objects.requireNonNull(sourceTable, "sourceTable");
        targetTable = targetTable == null || targetTable.isBlank() ? sourceTable : targetTable;
        renameColumns = ordered(renameColumns);
        addColumns = ordered(addColumns);
        dropColumns = dropColumns == null ? List.of() : List.copyOf(dropColumns);
        where = where == null || where.isBlank() ? null : where;
    }

    /** A transform that changes nothing; refine it with the {@code with...} methods. */
    public static TableTransform of(String sourceTable) {
        return new TableTransform(sourceTable, null, null, null, null, null, false, false);
    }

    public TableTransform renameTo(String newTargetTable) {
        return new TableTransform(sourceTable, newTargetTable, renameColumns, addColumns, dropColumns, where, skip, replicaIdentityFull);
    }

    public TableTransform renameColumn(String from, String to) {
        Map<String, String> m = new LinkedHashMap<>(renameColumns);
        m.put(from, to);
        return new TableTransform(sourceTable, targetTable, m, addColumns, dropColumns, where, skip, replicaIdentityFull);
    }

    public TableTransform addColumn(String name, String expression) {
        Map<String, String> m = new LinkedHashMap<>(addColumns);
        m.put(name, expression);
        return new TableTransform(sourceTable, targetTable, renameColumns, m, dropColumns, where, skip, replicaIdentityFull);
    }

    public TableTransform dropColumn(String name) {
        List<String> l = new ArrayList<>(dropColumns);
        l.add(name);
        return new TableTransform(sourceTable, targetTable, renameColumns, addColumns, l, where, skip, replicaIdentityFull);
    }

    public TableTransform withWhere(String condition) {
        return new TableTransform(sourceTable, targetTable, renameColumns, addColumns, dropColumns, condition, skip, replicaIdentityFull);
    }

    public TableTransform skipped() {
        return new TableTransform(sourceTable, targetTable, renameColumns, addColumns, dropColumns, where, true, replicaIdentityFull);
    }

    public TableTransform withReplicaIdentityFull() {
        return new TableTransform(sourceTable, targetTable, renameColumns, addColumns, dropColumns, where, skip, true);
    }

    private static Map<String, String> ordered(Map<String, String> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
