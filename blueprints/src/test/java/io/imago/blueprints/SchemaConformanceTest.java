package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The parser and the schema agree field by field: starting from the complete example of blueprint-v1.md, every field
 * of {@link BlueprintFormat} gets wrong values (wrong type, out of range, not in its closed set, an unknown key
 * beside it, a required one left out), which both must refuse, and right ones (every allowed word, the range's ends,
 * a field the example leaves out), which both must accept. A reader that starts checking a field differently from
 * its description fails here, and so does a description that the schema renders wrongly.
 */
class SchemaConformanceTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
    private static final Map<String, String> ENV = Map.of("HOME", "/home/u");

    private static Path dir;
    private static JsonNode base;

    private record Case(String what, JsonNode blueprint, boolean valid, boolean read) {}

    private final List<Case> cases = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        Path file = Path.of(SchemaConformanceTest.class.getResource("/example/shop-v2.yaml").toURI());
        dir = file.getParent();
        base = SchemaCheck.json("shop-v2.yaml", Files.readString(file)).orElseThrow();
    }

    @Test
    void parserAndSchemaAgreeOnEveryField() throws Exception {
        walk(BlueprintFormat.ROOT, "", base, true, base);
        assertTrue(cases.size() > 300, "cases: " + cases.size());
        List<String> disagreements = new ArrayList<>();
        for (Case c : cases) {
            String yaml = YAML.writeValueAsString(c.blueprint());
            List<String> parser = BlueprintLoader.parse("bp.yaml", yaml, dir, ENV::get).errors().stream()
                    .map(Diagnostic::oneLine).toList();
            List<String> schema = SchemaCheck.errors(c.blueprint());
            boolean parserAccepts = parser.isEmpty();
            boolean schemaAccepts = schema.isEmpty();
            if (!c.read()) {
                // blueprint-v1.md has it and so does the schema; the parser refuses it until it reads it (then drop
                // notReadYet() for it in BlueprintFormat, and this branch checks nothing of it any more).
                if (c.valid() && parserAccepts || c.valid() != schemaAccepts) {
                    disagreements.add(c.what() + " (not read yet): parser " + parser + ", schema " + schema);
                }
            } else if (parserAccepts != c.valid() || schemaAccepts != c.valid()) {
                disagreements.add(c.what() + (c.valid() ? " should be valid" : " should be refused") + ": parser "
                        + parser + ", schema " + schema);
            }
        }
        assertEquals(List.of(), disagreements, disagreements.size() + " of " + cases.size() + " cases");
    }

    /**
     * @param doc the blueprint the cases change ({@code base}, or base with a section added to test its fields)
     * @param read false under a field the parser does not read yet
     */
    private void walk(Shape shape, String ptr, JsonNode here, boolean read, JsonNode doc) {
        if (shape instanceof Shape.Obj o && here instanceof ObjectNode obj) {
            if (o.others() == null) {
                add("unknown field at " + ptr, set(doc, ptr + "/zzUnknown", F.numberNode(1)), false, read);
            } else {
                add("a free field at " + ptr, set(doc, ptr + "/zzFree", F.textNode("x")), true, read);
                add("a free field that is a list at " + ptr, set(doc, ptr + "/zzFree", F.arrayNode().add(1)), false, read);
            }
            for (Shape.Prop p : o.props()) {
                String at = ptr + "/" + p.name();
                boolean propRead = read && p.read();
                if (obj.has(p.name())) {
                    if (p.required()) {
                        add("without required " + at, remove(doc, at), false, propRead);
                    }
                    walk(p.shape(), at, obj.get(p.name()), propRead, doc);
                } else if (p.shape() instanceof Shape.Obj) {
                    JsonNode with = set(doc, at, right(p.shape()).get(0));
                    add(at + " added", with, true, propRead);
                    walk(p.shape(), at, with.at(at), propRead, with);
                }
                for (JsonNode v : wrong(p.shape())) {
                    add(at + " = " + v, set(doc, at, v), false, propRead);
                }
                JsonNode partnered = partners(o, p, ptr, doc);
                for (JsonNode v : right(p.shape())) {
                    add(at + " = " + v, set(partnered, at, v), true, propRead);
                }
                if (!p.needs().isEmpty()) {
                    JsonNode alone = doc;
                    for (String other : p.needs()) {
                        alone = alone.at(ptr).has(other) ? remove(alone, ptr + "/" + other) : alone;
                    }
                    add(at + " without " + p.needs(), set(alone, at, right(p.shape()).get(0)), false, propRead);
                }
            }
        } else if (shape instanceof Shape.ListOf l && here instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                walk(l.items(), ptr + "/" + i, a.get(i), read, doc);
            }
        } else if (shape instanceof Shape.OneKey k && here instanceof ObjectNode obj) {
            add("unknown check at " + ptr, set(doc, ptr, F.objectNode().put("zzUnknown", 1)), false, read);
            add("rowCounts beside " + obj.fieldNames().next() + " in " + ptr,
                    set(doc, ptr + "/rowCounts", F.booleanNode(true)), obj.has("rowCounts"), read);
            for (Shape.Prop p : k.kinds()) {
                if (obj.has(p.name())) {
                    String at = ptr + "/" + p.name();
                    wrong(p.shape()).forEach(v -> add(at + " = " + v, set(doc, at, v), false, read));
                    right(p.shape()).forEach(v -> add(at + " = " + v, set(doc, at, v), true, read));
                    walk(p.shape(), at, obj.get(p.name()), read, doc);
                }
            }
        }
    }

    /** The document with the fields {@code p} needs beside it, given their sample where they are missing. */
    private static JsonNode partners(Shape.Obj o, Shape.Prop p, String ptr, JsonNode doc) {
        JsonNode out = doc;
        for (String other : p.needs()) {
            if (!out.at(ptr).has(other)) {
                out = set(out, ptr + "/" + other, right(o.prop(other).orElseThrow().shape()).get(0));
            }
        }
        return out;
    }

    private void add(String what, JsonNode blueprint, boolean valid, boolean read) {
        cases.add(new Case(what, blueprint, valid, read));
    }

    /** Values of this shape the parser refuses. */
    private static List<JsonNode> wrong(Shape shape) {
        List<JsonNode> out = new ArrayList<>();
        ArrayNode list = F.arrayNode().add(1);
        ObjectNode mapping = F.objectNode().put("a", 1);
        if (shape instanceof Shape.Text t) {
            out.addAll(List.of(mapping, list, F.nullNode()));
            if (t.pattern() != null) {
                out.add(F.textNode("-"));
            }
        } else if (shape instanceof Shape.File) {
            out.addAll(List.of(mapping, list, F.nullNode())); // a missing file: only imago validate knows
        } else if (shape instanceof Shape.Name) {
            out.addAll(List.of(F.textNode("Bad_Name"), F.textNode("a".repeat(41)), F.numberNode(12), list));
        } else if (shape instanceof Shape.Choice) {
            out.addAll(List.of(F.textNode("nope"), list, F.nullNode()));
        } else if (shape instanceof Shape.Int i) {
            out.addAll(List.of(F.textNode("12"), F.numberNode(new BigDecimal("1.5")), list, F.numberNode(i.min() - 1)));
            if (i.max() < Integer.MAX_VALUE) {
                out.add(F.numberNode(i.max() + 1));
            }
        } else if (shape instanceof Shape.Decimal d) {
            out.addAll(List.of(F.textNode("12"), list, F.numberNode(d.min().subtract(BigDecimal.ONE))));
        } else if (shape instanceof Shape.Bool) {
            out.addAll(List.of(F.textNode("maybe"), F.numberNode(1), list));
        } else if (shape instanceof Shape.Const) {
            out.addAll(List.of(F.numberNode(2), F.textNode("1")));
        } else if (shape instanceof Shape.Duration d) {
            out.addAll(List.of(F.textNode("soon"), F.textNode("10 minutes"), F.numberNode(10), F.textNode("1.5s"),
                    F.textNode("ms"), list, F.textNode("forever")));
            if (d.positive()) {
                out.addAll(List.of(F.textNode("0"), F.numberNode(0), F.textNode("0s"), F.textNode("0h0m")));
            }
        } else if (shape instanceof Shape.ListOf l) {
            out.addAll(List.of(F.textNode("x"), mapping));
            if (l.nonEmpty()) {
                out.add(F.arrayNode());
            }
            wrong(l.items()).stream().limit(1).forEach(v -> out.add(F.arrayNode().add(v)));
        } else if (shape instanceof Shape.MapOf m) {
            out.addAll(List.of(F.textNode("x"), list, F.objectNode().set("K", list)));
            if (m.keyPattern() != null) {
                out.add(F.objectNode().put("1X", "x"));
            }
        } else if (shape instanceof Shape.Obj) {
            out.addAll(List.of(F.textNode("x"), list));
        } else if (shape instanceof Shape.Either) {
            out.addAll(List.of(F.textNode("some"), F.arrayNode(), mapping));
        }
        return out;
    }

    /** Values of this shape the parser accepts: the first is the sample used where the example leaves a field out. */
    private static List<JsonNode> right(Shape shape) {
        List<JsonNode> out = new ArrayList<>();
        if (shape instanceof Shape.Text t) {
            out.add(F.textNode(t.sample()));
            if (t.pattern() == null) {
                out.addAll(List.of(F.numberNode(12), F.booleanNode(true)));
            }
        } else if (shape instanceof Shape.File f) {
            out.add(F.textNode(f.sample()));
        } else if (shape instanceof Shape.Name) {
            out.addAll(List.of(F.textNode("other-name"), F.textNode("a".repeat(40))));
        } else if (shape instanceof Shape.Choice c) {
            c.values().forEach(v -> out.add(F.textNode(v)));
        } else if (shape instanceof Shape.Int i) {
            out.addAll(List.of(F.numberNode(i.min()), F.numberNode(i.max())));
        } else if (shape instanceof Shape.Decimal d) {
            out.addAll(List.of(F.numberNode(d.min()), F.numberNode(new BigDecimal("12.5"))));
        } else if (shape instanceof Shape.Bool) {
            out.addAll(List.of(F.booleanNode(true), F.booleanNode(false)));
        } else if (shape instanceof Shape.Const c) {
            out.add(new ObjectMapper().valueToTree(c.value()));
        } else if (shape instanceof Shape.Duration d) {
            out.addAll(List.of(F.textNode("1m30s"), F.textNode("500ms"), F.textNode("2h"), F.textNode("10s")));
            if (!d.positive()) {
                out.addAll(List.of(F.textNode("0"), F.numberNode(0)));
            }
            d.words().forEach(w -> out.add(F.textNode(w)));
        } else if (shape instanceof Shape.ListOf l) {
            if (!l.nonEmpty()) {
                out.add(F.arrayNode());
            }
            if (l.items() instanceof Shape.Text t) {
                out.add(F.arrayNode().add(t.sample()));
            }
        } else if (shape instanceof Shape.MapOf) {
            out.addAll(List.of(F.objectNode(), F.objectNode().put("K_1", "x")));
        } else if (shape instanceof Shape.Obj o) {
            ObjectNode sample = F.objectNode();
            o.props().stream().filter(Shape.Prop::required).forEach(p -> sample.set(p.name(), right(p.shape()).get(0)));
            out.add(sample);
        } else if (shape instanceof Shape.Either) {
            out.addAll(List.of(F.textNode("all"), F.arrayNode().add("x")));
        }
        return out;
    }

    private static JsonNode set(JsonNode doc, String ptr, JsonNode value) {
        JsonNode copy = doc.deepCopy();
        if (ptr.isEmpty()) {
            return value;
        }
        JsonPointer p = JsonPointer.compile(ptr);
        JsonNode parent = copy.at(p.head());
        String last = p.last().getMatchingProperty();
        if (parent instanceof ArrayNode a) {
            a.set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return copy;
    }

    private static JsonNode remove(JsonNode doc, String ptr) {
        JsonNode copy = doc.deepCopy();
        JsonPointer p = JsonPointer.compile(ptr);
        ((ObjectNode) copy.at(p.head())).remove(p.last().getMatchingProperty());
        return copy;
    }
}
