package io.imago.blueprints;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads YAML text into a {@link YamlNode} tree through Jackson's streaming parser, the only
 * Jackson API that exposes each token's line and column.
 */
final class YamlTreeReader {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final String file;
    private final Diagnostics diagnostics;
    private JsonParser parser;

    private YamlTreeReader(String file, Diagnostics diagnostics) {
        this.file = file;
        this.diagnostics = diagnostics;
    }

    /** The document's root, or empty when the text is not YAML (already reported). */
    static Optional<YamlNode> read(String file, String text, Diagnostics diagnostics) {
        return new YamlTreeReader(file, diagnostics).read(text);
    }

    private Optional<YamlNode> read(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            parser = p;
            JsonToken first = p.nextToken();
            if (first == null) {
                diagnostics.error(new SourcePos(file, 1, 1), "blueprint is empty");
                return Optional.empty();
            }
            YamlNode root = node(first);
            refuseMoreDocuments();
            return Optional.of(root);
        } catch (JsonProcessingException e) {
            diagnostics.add(YamlErrors.describe(e, file));
            return Optional.empty();
        } catch (IOException e) {
            // Only reachable for unreadable input; the text is already in memory.
            diagnostics.error(new SourcePos(file, 0, 0), "cannot read yaml");
            return Optional.empty();
        }
    }

    /** A second document would be silently ignored by a reader that stops at the first. */
    private void refuseMoreDocuments() throws IOException {
        for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
            if (t != JsonToken.VALUE_NULL) { // a trailing "---" yields an empty document
                diagnostics.error(here(), "a blueprint holds one yaml document", "remove the '---' line");
                return;
            }
        }
    }

    private YamlNode node(JsonToken token) throws IOException {
        SourcePos pos = here();
        return switch (token) {
            case START_OBJECT -> mapping(pos);
            case START_ARRAY -> sequence(pos);
            default -> scalar(token, pos);
        };
    }

    private YamlNode.Mapping mapping(SourcePos pos) throws IOException {
        List<YamlNode.Entry> entries = new ArrayList<>();
        Map<String, SourcePos> seen = new HashMap<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String key = parser.currentName();
            SourcePos keyPos = here();
            YamlNode value = node(parser.nextToken());
            SourcePos first = seen.putIfAbsent(key, keyPos);
            if (first != null) {
                // YAML forbids duplicate keys; Jackson would quietly keep the last one.
                diagnostics.error(keyPos, "duplicate field '" + key + "'",
                        "first set at " + Diagnostics.earlier(first, keyPos));
            } else {
                entries.add(new YamlNode.Entry(key, keyPos, value));
            }
        }
        return new YamlNode.Mapping(List.copyOf(entries), pos);
    }

    private YamlNode.Sequence sequence(SourcePos pos) throws IOException {
        List<YamlNode> items = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            items.add(node(t));
        }
        return new YamlNode.Sequence(List.copyOf(items), pos);
    }

    private YamlNode.Scalar scalar(JsonToken token, SourcePos pos) throws IOException {
        String text = parser.getText();
        if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            // Jackson hands an alias over as its anchor's name, which would be a wrong value.
            diagnostics.error(pos, "yaml aliases are not supported", "repeat the value instead of '*" + text + "'");
        }
        return switch (token) {
            case VALUE_NUMBER_INT -> new YamlNode.Scalar(text, YamlNode.ScalarType.INTEGER, number(true), pos);
            case VALUE_NUMBER_FLOAT -> new YamlNode.Scalar(text, YamlNode.ScalarType.DECIMAL, number(false), pos);
            case VALUE_TRUE -> new YamlNode.Scalar(text, YamlNode.ScalarType.BOOLEAN, Boolean.TRUE, pos);
            case VALUE_FALSE -> new YamlNode.Scalar(text, YamlNode.ScalarType.BOOLEAN, Boolean.FALSE, pos);
            case VALUE_NULL -> new YamlNode.Scalar(text, YamlNode.ScalarType.NULL, null, pos);
            default -> new YamlNode.Scalar(text, YamlNode.ScalarType.STRING, text, pos);
        };
    }

    /** Jackson decodes YAML's number spellings (0x1F, 1_000); values it cannot hold stay null. */
    private Object number(boolean integer) {
        try {
            return integer ? parser.getBigIntegerValue() : parser.getDecimalValue();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private SourcePos here() {
        JsonLocation l = parser.currentTokenLocation();
        return new SourcePos(file, l.getLineNr(), l.getColumnNr());
    }
}
