package io.imago.migration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The SQL log shipping runs for one migrated table. Every statement converts source rows with the very
 * statement the bulk copy used ({@link TransformSql#insertFrom} over {@link TransformSql#valuesRelation}),
 * so a row converts identically whether it came with the snapshot or as a change. Rows are passed as
 * text values, one JDBC parameter per source column in {@link TableMigration#sourceColumns()} order.
 *
 * <ul>
 *   <li>tables with a primary key find the target row by the CONVERTED key: the key columns go through the
 *       same conversion as in the full row (a rename, a type change);</li>
 *   <li>tables relying on replica identity full find it by every converted column, deleting one row of
 *       several equal ones, as the source did.</li>
 * </ul>
 */
final class ShippedTable {
    /** Types without an equality operator: identity-full rows are compared on their text form instead. */
    private static final Set<String> NO_EQUALITY = Set.of("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle");

    private final TableMigration m;
    private final TransformSql sql;
    /** Positions in the source columns of the primary key columns, in key order; empty for replica identity full. */
    private final int[] keyIndex;
    private final List<ColumnMapping> keyMappings;
    private final String insert;
    private final String deleteByKey;
    private final String replaceByKey;
    private final String applyByKey;
    private final String setApply;
    private final String deleteMatching;
    private final String replaceMatching;
    private final Map<String, String> lookups = new HashMap<>();

    ShippedTable(TableMigration m) {
        this.m = m;
        this.sql = new TransformSql(m);
        List<String> names = m.sourceColumns().stream().map(SourceColumn::name).toList();
        this.keyIndex = m.primaryKey().stream().mapToInt(k -> {
            int i = names.indexOf(k);
            if (i < 0) {
                throw new IllegalArgumentException("primary key column '" + k + "' of '" + m.sourceTable() + "' is not a source column");
            }
            return i;
        }).toArray();
        this.keyMappings = m.primaryKey().stream().map(k -> m.columns().stream()
                .filter(c -> c.sourceColumn() != null && c.sourceColumn().name().equals(k)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("primary key column '" + k + "' of '" + m.sourceTable()
                        + "' is loaded into no target column: changes to its rows could not be applied"))).toList();
        this.insert = sql.insertFromValues(1);
        String target = Sql.table(m.targetTable());
        if (hasKey()) {
            deleteByKey = "DELETE FROM " + target + " AS t WHERE " + keyMatch("t");
            // Delete the old row, then insert the new one if it passes the filter: right whether the key
            // changed or not and whether the row enters, leaves or stays in the filter. The scalar subquery
            // makes the DELETE run to completion before the first row is inserted.
            replaceByKey = "WITH d AS (" + deleteByKey + " RETURNING 1) " + sql.insertFrom(afterDelete(""));
            // One statement for every kind of change: consecutive changes of the table, whatever their kind,
            // go to the server in one batch (one round trip) instead of one batch per run of the same kind.
            applyByKey = "WITH d AS (DELETE FROM " + target + " AS t WHERE CAST(? AS boolean) AND " + keyMatch("t") + " RETURNING 1) "
                    + sql.insertFrom(afterDelete("CAST(? AS boolean) AND "));
            setApply = setApply(target);
            deleteMatching = null;
            replaceMatching = null;
        } else {
            deleteByKey = null;
            replaceByKey = null;
            applyByKey = null;
            setApply = null;
            String match = "SELECT t2.tableoid AS toid, t2.ctid AS tid FROM " + target + " AS t2, (" + sql.selectConverted(sql.valuesRelation(1))
                    + ") AS o WHERE " + m.columns().stream().map(c -> same(c, "t2", "o")).collect(Collectors.joining(" AND ")) + " LIMIT 1";
            String delete = "DELETE FROM " + target + " AS t USING x WHERE t.tableoid = x.toid AND t.ctid = x.tid";
            deleteMatching = "WITH x AS (" + match + ") " + delete;
            replaceMatching = "WITH x AS (" + match + "), d AS (" + delete + " RETURNING 1) " + sql.insertFrom(afterDelete(""));
        }
    }

    TableMigration migration() {
        return m;
    }

    boolean hasKey() {
        return keyIndex.length > 0;
    }

    int[] keyIndex() {
        return keyIndex;
    }

    int columnCount() {
        return m.sourceColumns().size();
    }

    /** Params: every source column. Inserts the converted row if it passes the filter. */
    String insertSql() {
        return insert;
    }

    /** Params: the old key. */
    String deleteByKeySql() {
        return deleteByKey;
    }

    /** Params: the old key, then every source column of the new row. */
    String replaceByKeySql() {
        return replaceByKey;
    }

    /**
     * Params: whether to delete, the old key, every source column of the new row, whether to insert. Deletes
     * the target row with the old key (if asked), then inserts the new row (if asked) if it passes the filter:
     * an insert, a delete and an update (key changed or not) in one statement. Tables with a key only.
     */
    String applyByKeySql() {
        return applyByKey;
    }

    /**
     * Params: one text[] per key column (the keys whose target rows to delete), then one text[] per source
     * column (the rows to insert, each if it passes the filter). Deletes them all, then inserts: the set-based
     * form of {@link #applyByKeySql()} ({@link NetChangeBatch}). Tables with a key only.
     */
    String setApplySql() {
        return setApply;
    }

    /** Params: every source column of the old row. Deletes one target row equal to its conversion. */
    String deleteMatchingSql() {
        return deleteMatching;
    }

    /** Params: every source column of the old row, then of the new row. */
    String replaceMatchingSql() {
        return replaceMatching;
    }

    String truncateTarget() {
        return Sql.table(m.targetTable());
    }

    /**
     * The target's values, as text, of the given source columns (each loaded verbatim into a target column)
     * in the row with the given old key; no row when the target does not hold it. Params: the key.
     */
    String targetLookupSql(List<Integer> sourceColumns) {
        return lookups.computeIfAbsent("t" + sourceColumns, k -> "SELECT " + sourceColumns.stream()
                .map(i -> "CAST(t." + Sql.ident(verbatimTarget(i)) + " AS text)").collect(Collectors.joining(", "))
                + " FROM " + Sql.table(m.targetTable()) + " AS t WHERE " + keyMatch("t"));
    }

    /** The source's current values, as text, of the given source columns in the row with the given key. Params: the key. */
    String sourceLookupSql(List<Integer> sourceColumns) {
        return lookups.computeIfAbsent("s" + sourceColumns, k -> {
            String from = (m.sourceIsPartitioned() ? "" : "ONLY ") + Sql.table(m.sourceTable());
            String where = IntStream.of(keyIndex).mapToObj(i -> {
                SourceColumn c = m.sourceColumns().get(i);
                return "s." + Sql.ident(c.name()) + " = CAST(? AS " + c.type() + ")";
            }).collect(Collectors.joining(" AND "));
            return "SELECT " + sourceColumns.stream().map(i -> "CAST(s." + Sql.ident(m.sourceColumns().get(i).name()) + " AS text)")
                    .collect(Collectors.joining(", ")) + " FROM " + from + " AS s WHERE " + where;
        });
    }

    /** The target column holding source column {@code i} unchanged (same type, no expression), or null. */
    String verbatimTarget(int i) {
        String name = m.sourceColumns().get(i).name();
        return m.columns().stream().filter(c -> c.isVerbatim() && c.sourceColumn().name().equals(name))
                .map(ColumnMapping::targetColumn).findFirst().orElse(null);
    }

    /** The target row whose converted key equals the key passed as parameters. */
    private String keyMatch(String alias) {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < keyIndex.length; k++) {
            SourceColumn c = m.sourceColumns().get(keyIndex[k]);
            ColumnMapping mapping = keyMappings.get(k);
            parts.add(alias + "." + Sql.ident(mapping.targetColumn()) + " = "
                    + TransformSql.converted(mapping, "CAST(? AS " + c.stagingType() + ")"));
        }
        return String.join(" AND ", parts);
    }

    private String setApply(String target) {
        List<String> keyParts = new ArrayList<>();
        List<String> keyArrays = new ArrayList<>();
        List<String> keyNames = new ArrayList<>();
        for (int k = 0; k < keyIndex.length; k++) {
            SourceColumn c = m.sourceColumns().get(keyIndex[k]);
            keyArrays.add("CAST(? AS text[])");
            keyNames.add("k" + k);
            keyParts.add("t." + Sql.ident(keyMappings.get(k).targetColumn()) + " = "
                    + TransformSql.converted(keyMappings.get(k), "CAST(k.k" + k + " AS " + c.stagingType() + ")"));
        }
        List<SourceColumn> cols = m.sourceColumns();
        String rows = "(SELECT " + IntStream.range(0, cols.size()).mapToObj(i -> "CAST(u.c" + i + " AS " + cols.get(i).stagingType() + ") AS "
                + Sql.ident(cols.get(i).name())).collect(Collectors.joining(", ")) + " FROM unnest("
                + IntStream.range(0, cols.size()).mapToObj(i -> "CAST(? AS text[])").collect(Collectors.joining(", ")) + ") AS u("
                + IntStream.range(0, cols.size()).mapToObj(i -> "c" + i).collect(Collectors.joining(", "))
                + ") WHERE (SELECT count(*) FROM d) >= 0) AS s";
        return "WITH d AS (DELETE FROM " + target + " AS t USING unnest(" + String.join(", ", keyArrays) + ") AS k("
                + String.join(", ", keyNames) + ") WHERE " + String.join(" AND ", keyParts) + " RETURNING 1) " + sql.insertFrom(rows);
    }

    /** The VALUES relation, yielding its row only once the CTE {@code d} has run, and only if {@code condition} holds. */
    private String afterDelete(String condition) {
        return "(SELECT s.* FROM " + sql.valuesRelation(1) + " WHERE " + condition + "(SELECT count(*) FROM d) >= 0) AS s";
    }

    private static String same(ColumnMapping c, String left, String right) {
        String col = Sql.ident(c.targetColumn());
        String base = c.targetType().replaceAll("(\\[\\])+$", "");
        if (NO_EQUALITY.contains(base)) {
            return "CAST(" + left + "." + col + " AS text) IS NOT DISTINCT FROM CAST(" + right + "." + col + " AS text)";
        }
        return left + "." + col + " IS NOT DISTINCT FROM " + right + "." + col;
    }
}
