package io.imago.blueprints;

import java.util.List;
import java.util.Map;

/**
 * One entry of {@code migration.transforms}: how one source table converts. Expressions
 * ({@code addColumns} values, {@code where}) are SQL in the target's dialect over the source row's
 * columns and are evaluated by the target database.
 *
 * @param renameTo the target table's name, or null to keep the source name
 * @param renameColumns source column → target column, in declaration order
 * @param addColumns target column → SQL expression, in declaration order
 * @param where SQL predicate over source columns, or null
 * @param className custom conversion (Java SPI), or null
 */
public record TransformSpec(
        String table,
        String renameTo,
        Map<String, String> renameColumns,
        Map<String, String> addColumns,
        List<String> dropColumns,
        String where,
        boolean skip,
        String className,
        boolean replicaIdentityFull,
        SourcePos pos) {

    public String targetTable() {
        return renameTo != null ? renameTo : table;
    }
}
