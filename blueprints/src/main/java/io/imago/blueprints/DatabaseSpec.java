package io.imago.blueprints;

import java.nio.file.Path;

/**
 * {@code database:} — a PostgreSQL server for the universe.
 *
 * @param schema DDL applied when the universe is created, absolute; null if none
 * @param seed data loaded into a universe that replaces nothing, absolute; null if none
 */
public record DatabaseSpec(
        String engine,
        String version,
        String size,
        String instanceClass,
        int storageGb,
        Path schema,
        Path seed,
        SourcePos pos) {}
