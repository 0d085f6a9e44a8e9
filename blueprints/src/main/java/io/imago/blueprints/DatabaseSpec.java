package io.imago.blueprints;

import java.nio.file.Path;

/**
 * {@code database:} — a PostgreSQL server for the universe.
 *
 * @param schema DDL applied when the universe is created, absolute; null if none
 * @param seed data loaded into a universe that replaces nothing, absolute; null if none
 * @param external a server Imago does not own, used instead of one the provider rents; null for a rented one
 *     ({@code size}, {@code instanceClass} and {@code storageGb} then mean nothing)
 */
public record DatabaseSpec(
        String engine,
        String version,
        String size,
        String instanceClass,
        int storageGb,
        Path schema,
        Path seed,
        ExternalDatabaseSpec external,
        SourcePos pos) {

    /** A database the provider rents. */
    public DatabaseSpec(String engine, String version, String size, String instanceClass, int storageGb, Path schema, Path seed,
            SourcePos pos) {
        this(engine, version, size, instanceClass, storageGb, schema, seed, null, pos);
    }

    public boolean isExternal() {
        return external != null;
    }
}
