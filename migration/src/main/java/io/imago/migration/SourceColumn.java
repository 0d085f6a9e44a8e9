package io.imago.migration;

/**
 * A column of a source table.
 *
 * @param type the source's {@code format_type}, e.g. {@code character varying(40)}
 * @param typeKnownToTarget whether the target database resolves that type name; when it does not
 *     (say, an enum the new schema dropped) the value travels as text and is cast to the target column's type
 */
public record SourceColumn(String name, String type, boolean typeKnownToTarget) {

    /** The type the target uses to hold this column's source value before conversion. */
    public String stagingType() {
        return typeKnownToTarget ? type : "text";
    }
}
