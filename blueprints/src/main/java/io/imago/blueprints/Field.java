package io.imago.blueprints;

/**
 * A value and the name users know it by: {@code port}, or {@code run[1]} for a list item. Keeps
 * the key's position too, because an empty value has no text of its own to point at.
 */
record Field(String name, SourcePos keyPos, YamlNode value) {

    static Field of(YamlNode.Entry entry) {
        return new Field(entry.key(), entry.keyPos(), entry.value());
    }

    Field item(int index, YamlNode item) {
        return new Field(name + "[" + index + "]", item.pos(), item);
    }

    /** Where a problem with the value is shown: the value itself, or the key when it is empty. */
    SourcePos pos() {
        return value instanceof YamlNode.Scalar s && s.isNull() ? keyPos : value.pos();
    }

    boolean isEmpty() {
        return value instanceof YamlNode.Scalar s && s.isNull();
    }

    String quoted() {
        return "'" + name + "'";
    }
}
