package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.BlueprintLoader;
import io.imago.blueprints.ProviderSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Blueprints for engine tests, parsed as the CLI parses them, with the files they name written beside them. */
final class Blueprints {
    private Blueprints() {}

    static Blueprint parse(Path dir, String name, String yaml) {
        try {
            Files.writeString(dir.resolve("schema.sql"), "CREATE TABLE customers (id int PRIMARY KEY);\n");
            Files.writeString(dir.resolve("seed.sql"), "INSERT INTO customers VALUES (1);\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        BlueprintLoader.LoadResult r = BlueprintLoader.parse(name + ".yaml", yaml, dir, Map.<String, String>of()::get);
        assertTrue(r.ok(), r.errors().toString());
        return r.blueprint();
    }

    /** The same blueprint on the in-memory provider (a type no blueprint may name). */
    static Blueprint onMemory(Blueprint bp) {
        return new Blueprint(bp.file(), bp.imago(), bp.universe(), bp.replaces(), new ProviderSpec("memory", Map.of()), bp.ingress(),
                bp.compute(), bp.database(), bp.migration(), bp.validate(), bp.switchover(), bp.teardown(), bp.budget());
    }
}
