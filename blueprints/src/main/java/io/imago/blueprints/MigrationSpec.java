package io.imago.blueprints;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code migration:} — how the replaced universe's data reaches this one.
 *
 * @param tables the source tables to migrate, or null for {@code all}
 */
public record MigrationSpec(List<String> tables, int parallelism, Duration maxLag, List<TransformSpec> transforms) {
    public static final MigrationSpec DEFAULT = new MigrationSpec(null, 2, Duration.ofMillis(500), List.of());

    public boolean allTables() {
        return tables == null;
    }

    /** The transform declared for a source table, if any. */
    public Optional<TransformSpec> transformFor(String sourceTable) {
        return transforms.stream().filter(t -> t.table().equals(sourceTable)).findFirst();
    }
}
