package io.imago.blueprints;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code database:}; its files are checked now because a missing one would fail mid-apply. */
final class DatabaseReader {
    private final Path baseDir;
    private final ReferenceChecker references;
    private final boolean replaces;
    private final Diagnostics d;

    /**
     * @param baseDir the blueprint's folder, which relative paths resolve against (blueprint-v1.md)
     * @param replaces whether the universe upgrades another (its database is then loaded by the copy)
     */
    DatabaseReader(Path baseDir, ReferenceChecker references, boolean replaces, Diagnostics d) {
        this.baseDir = baseDir;
        this.references = references;
        this.replaces = replaces;
        this.d = d;
    }

    DatabaseSpec read(Field field) {
        Section s = Section.of(field, KnownFields.DATABASE, d);
        if (s == null) {
            return null;
        }
        String engine = s.choice("engine", "postgres", KnownFields.ENGINES);
        String version = s.string("version", "16");
        String instanceClass = s.string("instanceClass", null);
        String size = s.choice("size", "small", KnownFields.SIZES);
        Integer storageGb = s.integer("storageGb", 10, 1, 65536);
        Path schema = s.field("schema").map(this::existingFile).orElse(null);
        Path seed = s.field("seed").map(this::existingFile).orElse(null);
        Optional<Field> externalField = s.field("external");
        if (externalField.isPresent()) {
            ExternalDatabaseSpec external = new ExternalDatabaseReader(references, d).read(externalField.get());
            for (String rental : KnownFields.DATABASE_RENTAL) {
                s.field(rental).ifPresent(f -> d.warning(f.keyPos(), "'" + rental + "' is ignored with 'external': imago rents no database server",
                        "remove it, or remove 'external' to have the provider rent one"));
            }
            if (replaces && !s.has("schema")) {
                // The copy truncates and fills the target's tables: only tables imago created itself, from the schema.
                d.error(externalField.get().keyPos(), "an upgrade into an external database needs 'schema'",
                        "imago loads the copy only into tables it created there from the schema, never into tables it finds");
            }
            return new DatabaseSpec(engine, version, null, null, 0, schema, seed, external, field.keyPos());
        }
        // Like compute's instanceType: an explicit instanceClass wins over size.
        String effectiveSize = instanceClass != null ? null : size;
        return new DatabaseSpec(engine, version, effectiveSize, instanceClass,
                storageGb == null ? 0 : storageGb, schema, seed, field.keyPos());
    }

    private Path existingFile(Field f) {
        String text = Values.string(f, d);
        if (text == null) {
            return null;
        }
        Path path;
        try {
            path = baseDir.resolve(text).normalize();
        } catch (InvalidPathException e) {
            d.error(f.pos(), "invalid path '" + text + "'");
            return null;
        }
        if (!Files.exists(path)) {
            d.error(f.pos(), "file not found: " + text);
            return null;
        }
        if (!Files.isRegularFile(path)) {
            d.error(f.pos(), "not a file: " + text);
            return null;
        }
        return path;
    }
}
