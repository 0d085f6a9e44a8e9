package io.imago.blueprints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a blueprint through the generated JSON Schema as the parser sees it: the YAML is read by the parser's own tree
 * reader and converted to JSON scalar for scalar (so {@code skip: yes} is a boolean for both, as YAML 1.1 has it).
 * Also tells which JSON paths a source position belongs to, to match the parser's diagnostics with the schema's.
 */
final class SchemaCheck {
    private static final Schema SCHEMA =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(BlueprintSchema.tree());

    private SchemaCheck() {}

    /** A YAML text as JSON, or empty when it is not YAML. */
    static Optional<JsonNode> json(String file, String yaml) {
        return YamlTreeReader.read(file, yaml, new Diagnostics()).map(SchemaCheck::json);
    }

    static JsonNode json(YamlNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof YamlNode.Mapping m) {
            ObjectNode o = f.objectNode();
            m.entries().forEach(e -> o.set(e.key(), json(e.value())));
            return o;
        }
        if (node instanceof YamlNode.Sequence s) {
            var a = f.arrayNode();
            s.items().forEach(i -> a.add(json(i)));
            return a;
        }
        YamlNode.Scalar s = (YamlNode.Scalar) node;
        if (s.value() instanceof BigInteger n) {
            return f.numberNode(n);
        }
        if (s.value() instanceof BigDecimal n) {
            return f.numberNode(n);
        }
        if (s.value() instanceof Boolean b) {
            return f.booleanNode(b);
        }
        return s.isNull() ? f.nullNode() : f.textNode(s.text());
    }

    /** The schema's complaints, as "/json/path: message". */
    static List<String> errors(JsonNode blueprint) {
        return SCHEMA.validate(blueprint).stream().map(e -> path(e.getInstanceLocation()) + ": " + e.getMessage()).toList();
    }

    static List<Error> rawErrors(JsonNode blueprint) {
        return SCHEMA.validate(blueprint);
    }

    /** A JSON pointer: "" for the document, "/compute/0/count" for a field. */
    static String path(NodePath p) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < p.getNameCount(); i++) {
            b.append('/').append(p.getElement(i));
        }
        return b.toString();
    }

    /** Every JSON path a source position shows: a key and its value's first token belong to several. */
    static Map<SourcePos, List<String>> pathsByPosition(YamlNode root) {
        Map<SourcePos, List<String>> out = new HashMap<>();
        index(root, "", out);
        return out;
    }

    private static void index(YamlNode node, String path, Map<SourcePos, List<String>> out) {
        out.computeIfAbsent(node.pos(), k -> new ArrayList<>()).add(path);
        if (node instanceof YamlNode.Mapping m) {
            for (YamlNode.Entry e : m.entries()) {
                out.computeIfAbsent(e.keyPos(), k -> new ArrayList<>()).add(path + "/" + e.key());
                index(e.value(), path + "/" + e.key(), out);
            }
        } else if (node instanceof YamlNode.Sequence s) {
            for (int i = 0; i < s.items().size(); i++) {
                index(s.items().get(i), path + "/" + i, out);
            }
        }
    }
}
