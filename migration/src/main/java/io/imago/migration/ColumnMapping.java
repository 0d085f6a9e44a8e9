package io.imago.migration;

/**
 * Where one target column's value comes from: a source column (possibly renamed) or an expression.
 *
 * @param targetType the target's {@code format_type} of the column
 * @param sourceColumn the source column copied, null for an expression
 * @param expression SQL over the source row's columns, null for a copied column
 */
public record ColumnMapping(String targetColumn, String targetType, SourceColumn sourceColumn, String expression) {

    public boolean isExpression() {
        return expression != null;
    }

    /** A copied column whose text form the target parses into the very same type: COPY can load it as is. */
    public boolean isVerbatim() {
        return sourceColumn != null && sourceColumn.typeKnownToTarget() && sourceColumn.type().equals(targetType);
    }
}
