package io.imago.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.blueprints.BlueprintLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What users read: the help of every command, the blueprint guide, and the JSON Schema. */
class HelpAndSchemaTest {
    /** Every command, and "" for imago itself. */
    private static final List<String> COMMANDS = List.of("", "validate", "plan", "apply", "status", "rollback", "destroy",
            "schema", "help", "generate-completion");

    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    private Run imago(Integer width, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--state";
        all[1] = dir.resolve(".imago").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = Imago.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), width, all);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * The committed schema/blueprint-v1.json is what `imago schema` prints, so that editors pointed at the repository
     * see the format this build reads. After a change to the blueprint format (BlueprintFormat) regenerate it:
     * {@code mvn -B -q -DskipTests package -pl cli -am && java -jar cli/target/imago-cli.jar schema > schema/blueprint-v1.json}
     */
    @Test
    void theCommittedSchemaIsWhatImagoSchemaPrints() throws Exception {
        Run r = imago(null, "schema");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String committed = Files.readString(Path.of("..", "schema", "blueprint-v1.json"));
        assertEquals(committed, r.out(), "schema/blueprint-v1.json is stale: regenerate it with `imago schema` (see above)");
        JsonNode schema = new ObjectMapper().readTree(r.out());
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
        assertTrue(schema.at("/properties/compute/description").asText().length() > 10, "fields are described");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "validate", "plan", "apply", "status", "rollback", "destroy", "schema", "help",
            "generate-completion"})
    void helpOfEveryCommandFitsIn80ColumnsAndEndsWithExamples(String command) {
        Run r = command.isEmpty() ? imago(80, "--help") : imago(80, "help", command);
        assertEquals(0, r.code(), r.toString());
        assertNoLineWiderThan(80, r.out());
        List<String> lines = r.out().lines().toList();
        int examples = lines.indexOf("Examples:");
        assertTrue(examples > 0, "an Examples section: " + r.out());
        long shown = lines.subList(examples + 1, lines.size()).stream()
                .filter(l -> l.startsWith("  imago ") || l.startsWith("  source <(imago")).count();
        assertTrue(shown >= 2 && shown <= 6, shown + " examples in " + r.out());
        if (!command.isEmpty() && !command.equals("help")) {
            assertEquals(r.out(), imago(80, command, "--help").out(), "imago " + command + " --help is imago help " + command);
        }
    }

    @Test
    void descriptionsWrapAtTheWidthNotWhereTheSourceBrokeThem() {
        String wide = imago(200, "--help").out();
        assertTrue(wide.contains("beside the live one (a parallel universe), copies"), wide);
        String rollback = imago(200, "rollback", "--help").out();
        assertTrue(rollback.contains("back to the universe UNIVERSE replaced. The writes made on UNIVERSE"), rollback);
        String narrow = imago(60, "--help").out();
        assertNoLineWiderThan(60, narrow.substring(0, narrow.indexOf("Examples:")));
    }

    @Test
    void helpBlueprintIsAShortGuideWhoseSectionsAndExampleHoldToTheParser() throws Exception {
        Run r = imago(80, "help", "blueprint");
        assertEquals(0, r.code(), r.toString());
        assertNoLineWiderThan(80, r.out());
        assertTrue(r.out().lines().count() < 80, "short: " + r.out().lines().count() + " lines");
        JsonNode schema = new ObjectMapper().readTree(imago(null, "schema").out());
        schema.get("properties").fieldNames().forEachRemaining(section ->
                assertTrue(r.out().contains("\n  " + section + ":"), "the guide names section " + section));
        for (String ref : List.of("${database.url}", "${ingress.url}", "${env:NAME}", "${secret:NAME}")) {
            assertTrue(r.out().contains(ref), ref);
        }
        assertTrue(r.out().contains("blueprint-v1.md") && r.out().contains("README"), "points at the contract");

        // The example is a valid blueprint.
        List<String> lines = r.out().lines().toList();
        int start = lines.indexOf("  imago: 1");
        assertTrue(start > 0, "an example");
        List<String> example = new ArrayList<>();
        for (int i = start; i < lines.size() && lines.get(i).startsWith("  "); i++) {
            example.add(lines.get(i).substring(2));
        }
        Files.writeString(dir.resolve("schema-v2.sql"), "create table customers (id int primary key, name text);\n");
        var result = BlueprintLoader.parse("guide.yaml", String.join("\n", example) + "\n", dir, Map.<String, String>of()::get);
        assertEquals(List.of(), result.diagnostics(), String.join("\n", example));
        assertTrue(result.ok());
    }

    @Test
    void helpKeepsWorkingForCommandsAndRefusesUnknownTopics() {
        Run apply = imago(80, "help", "apply");
        assertEquals(0, apply.code());
        assertTrue(apply.out().startsWith("Usage: imago apply"), apply.out());
        Run top = imago(80, "help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("schema") && top.out().contains("help blueprint"), top.out());
        Run unknown = imago(80, "help", "blueprints");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("unknown help topic 'blueprints'"), unknown.err());
        assertTrue(unknown.err().contains("blueprint"), unknown.err());
    }

    @Test
    void completionKnowsTheNewCommandsAndTopics() {
        Run completion = imago(null, "generate-completion");
        assertEquals(0, completion.code());
        assertTrue(completion.out().contains("schema"), "schema is completed");
        assertTrue(completion.out().contains("blueprint"), "help's topics are completed");
        List<String> topics = new ArrayList<>();
        new HelpCommand.Topics().forEach(topics::add);
        List<String> expected = new ArrayList<>(COMMANDS.subList(1, COMMANDS.size()));
        expected.add(HelpCommand.BLUEPRINT);
        assertEquals(expected, topics, "help's completion lists every command");
    }

    private static void assertNoLineWiderThan(int width, String text) {
        List<String> wide = text.lines().filter(l -> l.codePointCount(0, l.length()) > width).toList();
        assertTrue(wide.isEmpty(), "lines wider than " + width + ":\n" + String.join("\n", wide));
    }
}
