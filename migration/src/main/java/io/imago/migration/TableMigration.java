package io.imago.migration;

import java.util.List;
import java.util.Optional;

/**
 * One source table resolved against both catalogs: everything the copier (and later the log shipper)
 * needs, so neither reads the catalogs again.
 *
 * @param sourceColumns every source column, in table order (expressions may use dropped ones)
 * @param primaryKey the source primary key columns, empty when the table relies on replica identity full
 * @param columns target columns filled by the migration, in insert order
 * @param where row filter over the source columns, null when every row is kept
 * @param sourceIsPartitioned the source is a partitioned table (read through its root)
 * @param estimatedRows the source's planner estimate, for progress only
 */
public record TableMigration(String sourceTable, String targetTable, List<SourceColumn> sourceColumns,
                             List<String> primaryKey, List<ColumnMapping> columns, String where,
                             boolean replicaIdentityFull, boolean sourceIsPartitioned, long estimatedRows) {

    public TableMigration {
        sourceColumns = List.copyOf(sourceColumns);
        primaryKey = List.copyOf(primaryKey);
        columns = List.copyOf(columns);
    }

    /**
     * Whether the rows can be COPYed straight into the target table: no filter, no expression, and every
     * column lands in a column of the same type. Otherwise the target converts them with INSERT ... SELECT,
     * the one code path shared with log shipping.
     */
    public boolean direct() {
        return where == null && columns.stream().allMatch(ColumnMapping::isVerbatim);
    }

    public Optional<SourceColumn> sourceColumn(String name) {
        return sourceColumns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The primary key as named in the target (renames applied). */
    public List<String> targetKey() {
        return primaryKey.stream()
                .map(k -> columns.stream().filter(m -> m.sourceColumn() != null && m.sourceColumn().name().equals(k))
                        .map(ColumnMapping::targetColumn).findFirst().orElse(k))
                .toList();
    }
}
