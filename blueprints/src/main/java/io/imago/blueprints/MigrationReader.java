package io.imago.blueprints;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code migration:}: which tables move to the new universe and how fast. */
final class MigrationReader {
    private static final String TABLES_HINT = "write 'all' or a list of table names";

    private final Diagnostics d;

    MigrationReader(Diagnostics d) {
        this.d = d;
    }

    MigrationSpec read(Field field) {
        Section s = Section.of(field, KnownFields.MIGRATION, d);
        if (s == null) {
            return null;
        }
        List<String> tables = s.field("tables").map(this::tables).orElse(null);
        int parallelism = s.field("snapshot").map(this::parallelism).orElse(MigrationSpec.DEFAULT.parallelism());
        Duration maxLag = s.field("logShipping").map(this::maxLag).orElse(MigrationSpec.DEFAULT.maxLag());
        List<TransformSpec> transforms =
                s.field("transforms").map(f -> new TransformReader(d).readAll(f, tables)).orElse(List.of());
        return new MigrationSpec(tables, parallelism, maxLag, transforms);
    }

    /** Null stands for {@code all}, as in {@link MigrationSpec}. */
    private List<String> tables(Field f) {
        if (f.value() instanceof YamlNode.Scalar s && !s.isNull()) {
            if (!s.text().equals("all")) {
                d.error(f.pos(), "invalid tables '" + s.text() + "'", TABLES_HINT);
            }
            return null;
        }
        if (!(f.value() instanceof YamlNode.Sequence seq)) {
            Values.sequence(f, d);
            return null;
        }
        List<String> tables = Values.strings(f, d);
        if (tables != null && tables.isEmpty()) {
            d.error(f.pos(), "'tables' must not be empty", TABLES_HINT);
        }
        if (tables != null) {
            Map<String, SourcePos> seen = new HashMap<>();
            for (int i = 0; i < tables.size(); i++) {
                SourcePos here = seq.items().get(i).pos();
                SourcePos first = seen.putIfAbsent(tables.get(i), here);
                if (first != null) {
                    d.error(here, "duplicate table '" + tables.get(i) + "'",
                            "first listed at " + Diagnostics.earlier(first, here));
                }
            }
        }
        return tables;
    }

    private Integer parallelism(Field f) {
        Section s = Section.of(f, KnownFields.SNAPSHOT, d);
        return s == null ? null : s.integer("parallelism", MigrationSpec.DEFAULT.parallelism(), 1, 256);
    }

    private Duration maxLag(Field f) {
        Section s = Section.of(f, KnownFields.LOG_SHIPPING, d);
        return s == null ? null : s.duration("maxLag", MigrationSpec.DEFAULT.maxLag());
    }
}
