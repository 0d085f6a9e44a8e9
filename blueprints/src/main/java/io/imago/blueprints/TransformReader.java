package io.imago.blueprints;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads {@code migration.transforms}: how each source table converts. */
final class TransformReader {
    private static final Pattern CLASS_NAME = Pattern.compile(BlueprintFormat.CLASS_NAME);

    private final Diagnostics d;

    TransformReader(Diagnostics d) {
        this.d = d;
    }

    /** @param tables the migrated tables, or null for all; a transform outside them would never run */
    List<TransformSpec> readAll(Field field, List<String> tables) {
        YamlNode.Sequence seq = Values.sequence(field, d);
        if (seq == null) {
            return null;
        }
        List<TransformSpec> out = new ArrayList<>();
        Map<String, SourcePos> seen = new HashMap<>();
        for (int i = 0; i < seq.items().size(); i++) {
            Field item = field.item(i, seq.items().get(i));
            TransformSpec t = read(item);
            if (t == null || t.table() == null) {
                continue;
            }
            SourcePos at = tablePos(item);
            // Two transforms for one table would leave the order of conversions to chance.
            SourcePos first = seen.putIfAbsent(t.table(), at);
            if (first != null) {
                d.error(at, "duplicate transform for table '" + t.table() + "'",
                        "first declared at " + Diagnostics.earlier(first, at));
            } else if (tables != null && !tables.contains(t.table())) {
                d.warning(at, "transform for '" + t.table() + "', which is not in 'tables'", null);
            }
            out.add(t);
        }
        return List.copyOf(out);
    }

    private TransformSpec read(Field item) {
        Section s = Section.of(item, KnownFields.TRANSFORM, d);
        if (s == null) {
            return null;
        }
        String table = s.require("table").map(f -> Values.string(f, d)).orElse(null);
        String renameTo = s.string("renameTo", null);
        Map<String, String> renameColumns = s.field("renameColumns").map(f -> Values.stringMap(f, d)).orElse(Map.of());
        Map<String, String> addColumns = s.field("addColumns").map(f -> Values.stringMap(f, d)).orElse(Map.of());
        List<String> dropColumns = s.strings("dropColumns", List.of());
        String where = s.string("where", null);
        Boolean skip = s.bool("skip", false);
        String className = s.field("class").map(this::className).orElse(null);
        String identity = s.choice("replicaIdentity", "default", KnownFields.REPLICA_IDENTITIES);
        return new TransformSpec(table, renameTo, renameColumns, addColumns, dropColumns, where,
                Boolean.TRUE.equals(skip), className, "full".equals(identity), item.pos());
    }

    private static SourcePos tablePos(Field item) {
        return ((YamlNode.Mapping) item.value()).get("table").map(e -> Field.of(e).pos()).orElse(item.pos());
    }

    private String className(Field f) {
        String name = Values.string(f, d);
        if (name != null && !CLASS_NAME.matcher(name).matches()) {
            d.error(f.pos(), "invalid class name '" + name + "'",
                    "write the class's full name, e.g. com.example.SplitInvoices");
            return null;
        }
        return name;
    }
}
