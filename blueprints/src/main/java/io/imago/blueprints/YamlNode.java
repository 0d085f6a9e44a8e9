package io.imago.blueprints;

import java.util.List;
import java.util.Optional;

/**
 * A YAML value together with where it was written. Jackson's tree model drops token locations,
 * so the loader keeps its own small tree to let every diagnostic point at the exact key or value.
 */
sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Mapping, YamlNode.Sequence {

    SourcePos pos();

    /** How users call this kind of value, for messages like "must be a number, not a list". */
    String kindName();

    /** YAML resolves plain scalars to types; quoted scalars are always strings. */
    enum ScalarType { STRING, INTEGER, DECIMAL, BOOLEAN, NULL }

    /**
     * @param text the scalar as written (without quotes), so a string field can take {@code 16} as "16"
     * @param value BigInteger, BigDecimal or Boolean for typed scalars; null when YAML gave no number
     *     Java can hold (e.g. {@code .inf})
     */
    record Scalar(String text, ScalarType type, Object value, SourcePos pos) implements YamlNode {
        @Override
        public String kindName() {
            return switch (type) {
                case STRING -> "a string";
                case INTEGER, DECIMAL -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "empty";
            };
        }

        boolean isNull() {
            return type == ScalarType.NULL;
        }
    }

    record Entry(String key, SourcePos keyPos, YamlNode value) {}

    /** Entries in file order; the reader has already refused duplicate keys. */
    record Mapping(List<Entry> entries, SourcePos pos) implements YamlNode {
        @Override
        public String kindName() {
            return "a mapping";
        }

        Optional<Entry> get(String key) {
            return entries.stream().filter(e -> e.key().equals(key)).findFirst();
        }
    }

    record Sequence(List<YamlNode> items, SourcePos pos) implements YamlNode {
        @Override
        public String kindName() {
            return "a list";
        }
    }
}
