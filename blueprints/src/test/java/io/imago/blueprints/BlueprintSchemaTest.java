package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated JSON Schema against the parser: every example and test blueprint the parser accepts, the schema
 * accepts; every mistake of shape the parser refuses in the malformed corpus ({@code golden/}), the schema refuses
 * at the same place; and the schema refuses nothing there that the parser lets through.
 */
class BlueprintSchemaTest {
    private static final Map<String, String> ENV = Map.of("HOME", "/home/u");

    /** Mistakes of shape: what the schema must refuse too. Each message the parser can give is in one of two lists. */
    private static final List<Pattern> STRUCTURAL = patterns(
            "unknown field '.*'",
            "unknown check '.*'",
            "one check per list item; unexpected '.*'",
            "'.*' must be (a number|a string|a list|a mapping|true or false|a duration), not .*",
            "'.*' must be a whole number",
            "missing required field '.*'",
            "missing value for '.*'",
            "invalid (type|size|engine|replicaIdentity) '.*'",
            "'.*' must be between -?\\d+ and \\d+",
            "'.*' must be at least -?\\d+",
            "'.*' must be longer than 0",
            "'.*' must not be negative",
            "'.*' must be (above|at least) 0( and at most \\d+)?",
            "'.*' must not be empty",
            "'compute' needs at least one entry",
            "invalid duration '.*'",
            "invalid (universe|ingress|compute) name '.*'",
            "unsupported imago version .*",
            "invalid tables '.*'",
            "'path' must start with '/'",
            "invalid class name '.*'",
            "invalid environment variable name '.*'",
            "a blueprint must be a mapping, not .*",
            "blueprint is empty");

    /** Rules over more than one value, files or the environment: only {@code imago validate} checks these. */
    private static final List<Pattern> BEYOND_SCHEMA = patterns(
            "file not found: .*", "not a file: .*", "invalid path '.*'",
            "duplicate (compute name|table|transform for table) '.*'",
            "unknown reference '.*'", "environment variable '.*' is not set", "unclosed '\\$\\{' in '.*'",
            "'\\$\\{.*\\}' (needs a 'database' section|carries the database password.*|in 'run' would be .*)",
            "migration needs 'replaces'", "'.*' needs 'replaces'", "a universe cannot replace itself",
            // on aws, secret env values need provider.instanceProfile: the schema cannot tell which values are secret
            "compute '.*' has secret values in env \\(.*\\) that its instances read from AWS Secrets Manager.*",
            // the check list and the provider are apart: the schema does not tie them
            "the shadow check is not supported on the aws provider.*");

    private static List<Pattern> patterns(String... regexes) {
        return Stream.of(regexes).map(Pattern::compile).toList();
    }

    static Stream<Path> validBlueprints() throws Exception {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> examples = Files.walk(Path.of("..", "examples"))) {
            examples.filter(p -> p.toString().matches(".*\\.ya?ml$")).sorted().forEach(out::add);
        }
        try (Stream<Path> files = Files.list(resource("/example"))) {
            files.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(out::add);
        }
        for (Path golden : corpus().toList()) {
            if (Files.readAllLines(txt(golden)).stream().noneMatch(l -> l.startsWith("ERROR"))) {
                out.add(golden); // warnings only
            }
        }
        assertTrue(out.stream().anyMatch(p -> p.toString().contains("quickstart")), "the examples were found: " + out);
        return out.stream();
    }

    static Stream<Path> corpus() throws Exception {
        try (Stream<Path> files = Files.list(resource("/golden"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theSchemaIsAValidDraft202012Schema() {
        var meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        List<Error> errors = meta.validate(BlueprintSchema.tree());
        assertEquals(List.of(), errors.stream().map(Error::toString).toList());
    }

    @ParameterizedTest
    @MethodSource("validBlueprints")
    void everyExampleAndTestBlueprintValidates(Path file) throws IOException {
        String yaml = Files.readString(file);
        var parsed = BlueprintLoader.parse(file.getFileName().toString(), yaml, file.getParent(), ENV::get);
        assertEquals(List.of(), parsed.errors(), "the parser accepts " + file);
        JsonNode json = SchemaCheck.json(file.toString(), yaml).orElseThrow();
        assertEquals(List.of(), SchemaCheck.errors(json), "the schema accepts " + file);
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everyMistakeOfShapeInTheCorpusIsRefusedByTheSchemaToo(Path file) throws IOException {
        String name = file.getFileName().toString();
        String yaml = Files.readString(file);
        List<Diagnostic> parserErrors =
                BlueprintLoader.parse(name, yaml, file.getParent(), ENV::get).errors();
        Optional<YamlNode> tree = YamlTreeReader.read(name, yaml, new Diagnostics());
        if (tree.isEmpty()) {
            assertFalse(parserErrors.isEmpty(), "not YAML, so refused: " + name);
            return; // not YAML at all: editors report that themselves, before any schema
        }
        Map<SourcePos, List<String>> paths = SchemaCheck.pathsByPosition(tree.get());
        List<Error> schemaErrors = SchemaCheck.rawErrors(SchemaCheck.json(tree.get()));
        List<String> missed = new ArrayList<>();
        List<String> parserPaths = new ArrayList<>();
        for (Diagnostic d : parserErrors) {
            List<String> at = paths.getOrDefault(d.pos(), List.of(""));
            parserPaths.addAll(at);
            if (matches(BEYOND_SCHEMA, d.message())) {
                continue;
            }
            if (!matches(STRUCTURAL, d.message())) {
                fail("a new kind of error: add it to STRUCTURAL (and the schema) or to BEYOND_SCHEMA: " + d.oneLine());
            }
            boolean refused = schemaErrors.stream().anyMatch(e -> at.contains(SchemaCheck.path(e.getInstanceLocation()))
                    || e.getProperty() != null && at.contains(SchemaCheck.path(e.getInstanceLocation()) + "/" + e.getProperty()));
            if (!refused) {
                missed.add(d.oneLine() + " at " + at);
            }
        }
        assertEquals(List.of(), missed, "the schema lets these through; it said: " + schemaErrors);

        // And the other way: the schema complains only where the parser does (the same place, or around it).
        List<String> extra = new ArrayList<>();
        for (Error e : schemaErrors) {
            // A missing field is the mapping's fault; an unexpected one is at its key.
            boolean atKey = e.getProperty() != null && !"required".equals(e.getKeyword());
            String at = SchemaCheck.path(e.getInstanceLocation()) + (atKey ? "/" + e.getProperty() : "");
            if (parserPaths.stream().noneMatch(p -> related(at, p))) {
                extra.add(at + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), extra, "the schema refuses what the parser accepts");
        assertEquals(parserErrors.isEmpty(), schemaErrors.isEmpty(), name);
    }

    /** The same place, or one inside the other ("" is the document itself, not everything in it). */
    private static boolean related(String a, String b) {
        return a.equals(b) || !b.isEmpty() && a.startsWith(b + "/") || !a.isEmpty() && b.startsWith(a + "/");
    }

    private static boolean matches(List<Pattern> patterns, String message) {
        return patterns.stream().anyMatch(p -> p.matcher(message).matches());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(BlueprintSchemaTest.class.getResource(name).toURI());
    }

    private static Path txt(Path yaml) {
        String n = yaml.getFileName().toString();
        return yaml.resolveSibling(n.substring(0, n.length() - ".yaml".length()) + ".txt");
    }
}
