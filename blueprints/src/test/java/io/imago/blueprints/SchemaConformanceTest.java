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
 * a field the example leaves out), which both must accept. A value another field's requirement hangs on
 * ({@code provider.type: aws} needs {@code image} on every compute group) is set with the fields it asks for, and
 * without each of them, which both must refuse; a mapping closed on one type ({@code provider} on aws) is walked on
 * that type too. A reader that starts checking a field differently from its description fails here, and so does a
 * description that the schema renders wrongly.
 */
class SchemaConformanceTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
    private static final Map<String, String> ENV = Map.of("HOME", "/home/u");

    private static Path dir;
    private static JsonNode base;

    /**
     * What the parser needs beyond the schema when a field takes a value ("provider.type=aws"): the example's compute
     * env holds ${database.url}, a secret, so on aws the parser refuses it without provider.instanceProfile (instances
     * read their secrets with its role), a rule the schema cannot check (it cannot tell which env values are secret).
     */
    private static final Map<String, String> BEYOND_SCHEMA = Map.of("provider.type=aws", "/provider/instanceProfile");

    /**
     * @param beyondSchema refused by a rule of the parser the schema cannot check ({@link #BEYOND_SCHEMA}): the
     *     parser must refuse it and the schema accept it
     */
    private record Case(String what, JsonNode blueprint, boolean valid, boolean read, boolean beyondSchema) {}

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
            if (c.beyondSchema()) {
                if (parserAccepts || !schemaAccepts) {
                    disagreements.add(c.what() + " (beyond the schema) should be refused by the parser only: parser "
                            + parser + ", schema " + schema);
                }
            } else if (!c.read()) {
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
            String type = o.closedOn() == null ? null : typeOf(o, obj);
            boolean closed = o.others() == null || o.closedOn() != null && o.closedOn().equals(type);
            if (closed) {
                add("unknown field at " + ptr, set(doc, ptr + "/zzUnknown", F.numberNode(1)), false, read);
            } else {
                add("a free field at " + ptr, set(doc, ptr + "/zzFree", F.textNode("x")), true, read);
                add("a free field that is a list at " + ptr, set(doc, ptr + "/zzFree", F.arrayNode().add(1)), false, read);
            }
            for (Shape.Prop p : o.props()) {
                String at = ptr + "/" + p.name();
                boolean propRead = read && p.read();
                if (type != null && !p.appliesOn(type)) {
                    // Another type's field: unknown on the closed type, on an open one a key like any other.
                    if (closed) {
                        add(at + " on " + type, set(doc, at, right(p.shape()).get(0)), false, propRead);
                    } else {
                        for (JsonNode v : wrong(o.others())) {
                            add(at + " = " + v + " on " + type, set(doc, at, v), false, propRead);
                        }
                        for (JsonNode v : right(o.others())) {
                            add(at + " = " + v + " on " + type, set(doc, at, v), true, propRead);
                        }
                    }
                    continue;
                }
                if (obj.has(p.name())) {
                    if (p.required()) {
                        add("without required " + at, remove(doc, at), false, propRead);
                    }
                    for (Shape.When w : p.requiredWhen()) {
                        withoutUnless(w, at, doc, propRead);
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
                    add(at + " = " + v, conditioned(partnered, at, v, propRead), true, propRead);
                }
                if (!p.needs().isEmpty()) {
                    JsonNode alone = doc;
                    for (String other : p.needs()) {
                        alone = alone.at(ptr).has(other) ? remove(alone, ptr + "/" + other) : alone;
                    }
                    add(at + " without " + p.needs(), set(alone, at, right(p.shape()).get(0)), false, propRead);
                }
            }
            if (o.closedOn() != null && !o.closedOn().equals(type)) {
                String at = ptr + "/type";
                JsonNode onClosed = conditioned(doc, at, F.textNode(o.closedOn()), read);
                walk(o, ptr, onClosed.at(ptr), read, onClosed);
            }
        } else if (shape instanceof Shape.ListOf l && here instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                walk(l.items(), ptr + "/" + i, a.get(i), read, doc);
            }
            if (l.items() instanceof Shape.OneKey k) {
                // A kind no item of the example has (a check added after blueprint-v1.md's example): one is appended.
                for (Shape.Prop p : k.kinds()) {
                    boolean present = false;
                    for (JsonNode item : a) {
                        present |= item.has(p.name());
                    }
                    if (!present) {
                        ArrayNode more = a.deepCopy();
                        more.add(F.objectNode().set(p.name(), right(p.shape()).get(0)));
                        JsonNode with = set(doc, ptr, more);
                        String at = ptr + "/" + a.size();
                        add(at + " (" + p.name() + ") added", with, true, read && p.read());
                        walk(l.items(), at, with.at(at), read && p.read(), with);
                    }
                }
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

    /** The value of a mapping's {@code type}: as written, else its default. */
    private static String typeOf(Shape.Obj o, ObjectNode obj) {
        return obj.has("type") ? obj.get("type").asText() : String.valueOf(o.prop("type").orElseThrow().defaultValue());
    }

    /**
     * The document with {@code at} = {@code v} and what that asks for elsewhere: every field required when {@code at}
     * is {@code v} (given its sample where it is missing) and what the parser needs beyond the schema
     * ({@link #BEYOND_SCHEMA}). Adds the cases without each: refused by both, or by the parser alone.
     */
    private JsonNode conditioned(JsonNode doc, String at, JsonNode v, boolean read) {
        JsonNode out = set(doc, at, v);
        String field = at.substring(1).replace('/', '.');
        List<String> needed = new ArrayList<>();
        for (BlueprintFormat.Conditional c : BlueprintFormat.conditionals()) {
            if (c.when().field().equals(field) && v.isTextual() && c.when().value().equals(v.asText())) {
                for (String place : places(out, c.at())) {
                    String f = place + "/" + c.prop().name();
                    if (!out.at(place).has(c.prop().name())) {
                        out = set(out, f, right(c.prop().shape()).get(0));
                    }
                    needed.add(f);
                }
            }
        }
        String beyond = BEYOND_SCHEMA.get(field + "=" + v.asText());
        if (beyond != null && out.at(beyond).isMissingNode()) {
            out = set(out, beyond, F.textNode("shop-app"));
        }
        for (String f : needed) {
            add(at + " = " + v + " without " + f, remove(out, f), false, read);
        }
        if (beyond != null) {
            cases.add(new Case(at + " = " + v + " without " + beyond, remove(out, beyond), false, read, true));
        }
        return out;
    }

    /**
     * The cases without a field required under {@code w}: refused where {@code w} holds, accepted where it does not;
     * and where it holds by default, refused with the value {@code w} is on left out too.
     */
    private void withoutUnless(Shape.When w, String at, JsonNode doc, boolean read) {
        String on = "/" + w.field().replace('.', '/');
        String byDefault = String.valueOf(BlueprintFormat.prop(w.field()).defaultValue());
        String value = doc.at(on).isMissingNode() ? byDefault : doc.at(on).asText();
        JsonNode without = remove(doc, at);
        add("without " + at + " (" + w.field() + " is " + value + ")", without, !value.equals(w.value()), read);
        if (w.value().equals(byDefault) && !without.at(on).isMissingNode()) {
            add("without " + at + " nor " + on, remove(without, on), false, read);
        }
    }

    /** Where the mappings at a path of the format ({@code compute, []}) are in a document. */
    private static List<String> places(JsonNode doc, List<String> path) {
        List<String> out = List.of("");
        for (String step : path) {
            List<String> next = new ArrayList<>();
            for (String ptr : out) {
                JsonNode here = doc.at(ptr);
                if (step.equals("[]")) {
                    for (int i = 0; i < here.size() && here.isArray(); i++) {
                        next.add(ptr + "/" + i);
                    }
                } else if (here.has(step)) {
                    next.add(ptr + "/" + step);
                }
            }
            out = next;
        }
        return out.stream().filter(p -> doc.at(p).isObject()).toList();
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
        cases.add(new Case(what, blueprint, valid, read, false));
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
            if (d.minExclusive()) {
                out.add(F.numberNode(d.min()));
            }
            if (d.max() != null) {
                out.add(F.numberNode(d.max().add(new BigDecimal("0.5"))));
            }
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
            if (d.max() != null) {
                out.addAll(List.of(F.numberNode(d.max()), F.numberNode(d.min().add(d.max()).divide(BigDecimal.valueOf(2)))));
            } else {
                out.add(F.numberNode(new BigDecimal("12.5")));
            }
            if (!d.minExclusive()) {
                out.add(F.numberNode(d.min()));
            }
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
