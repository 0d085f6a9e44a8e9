package io.imago.engine;

import io.imago.blueprints.TransformSpec;
import java.util.ArrayList;
import java.util.List;

/** A transform in words, for plan output. */
final class TransformText {
    private TransformText() {}

    static String describe(TransformSpec t) {
        if (t.skip()) {
            return "not migrated";
        }
        List<String> parts = new ArrayList<>();
        if (t.renameTo() != null) {
            parts.add("renamed to " + t.renameTo());
        }
        t.renameColumns().forEach((a, b) -> parts.add("column " + a + " → " + b));
        t.addColumns().forEach((c, e) -> parts.add("new column " + c + " = " + e));
        t.dropColumns().forEach(c -> parts.add("column " + c + " dropped"));
        if (t.where() != null) {
            parts.add("only rows where " + t.where());
        }
        if (t.className() != null) {
            parts.add("custom conversion " + t.className());
        }
        return parts.isEmpty() ? "copied as is" : String.join(", ", parts);
    }
}
