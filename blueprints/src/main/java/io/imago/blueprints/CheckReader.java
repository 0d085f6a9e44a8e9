package io.imago.blueprints;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads {@code validate:}, a list of one-key mappings whose key names the kind of check. */
final class CheckReader {
    private static final String KINDS_HINT = "allowed: " + String.join(", ", KnownFields.CHECK_KINDS);
    /** These compare the new universe with the one it replaces, so they need one. */
    private static final Set<String> NEED_OLD = Set.of("rowCounts", "checksums", "compare");

    private final boolean replaces;
    private final Diagnostics d;

    CheckReader(boolean replaces, Diagnostics d) {
        this.replaces = replaces;
        this.d = d;
    }

    List<CheckSpec> readAll(Field field) {
        YamlNode.Sequence seq = Values.sequence(field, d);
        if (seq == null) {
            return List.of();
        }
        List<CheckSpec> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            CheckSpec check = read(field.item(i, seq.items().get(i)));
            if (check != null) {
                out.add(check);
            }
        }
        return List.copyOf(out);
    }

    private CheckSpec read(Field item) {
        YamlNode.Mapping map = Values.mapping(item, d);
        if (map == null || map.entries().isEmpty()) {
            return null;
        }
        for (YamlNode.Entry extra : map.entries().subList(1, map.entries().size())) {
            d.error(extra.keyPos(), "one check per list item; unexpected '" + extra.key() + "'",
                    "start each check with '-' and indent its settings");
        }
        YamlNode.Entry entry = map.entries().get(0);
        Field kind = Field.of(entry);
        if (!KnownFields.CHECK_KINDS.contains(entry.key())) {
            d.error(entry.keyPos(), "unknown check '" + entry.key() + "'",
                    DidYouMean.closest(entry.key(), KnownFields.CHECK_KINDS)
                            .map(c -> "did you mean '" + c + "'?").orElse(KINDS_HINT));
            return null;
        }
        if (!replaces && NEED_OLD.contains(entry.key())) {
            d.error(entry.keyPos(), "'" + entry.key() + "' needs 'replaces'", "it compares with the replaced universe");
        }
        return switch (entry.key()) {
            case "rowCounts" -> rowCounts(kind);
            case "checksums" -> checksums(kind);
            case "http" -> http(kind);
            case "compare" -> compare(kind);
            default -> command(kind);
        };
    }

    /** {@code rowCounts: false} is a check turned off, kept in the file for later. */
    private CheckSpec rowCounts(Field f) {
        Boolean on = Values.bool(f, d);
        return Boolean.TRUE.equals(on) ? new CheckSpec.RowCounts(f.keyPos()) : null;
    }

    private CheckSpec checksums(Field f) {
        List<String> tables = nonEmpty(f, Values.strings(f, d));
        return tables == null ? null : new CheckSpec.Checksums(tables, f.keyPos());
    }

    private CheckSpec http(Field f) {
        Section s = Section.of(f, KnownFields.HTTP_CHECK, d);
        if (s == null) {
            return null;
        }
        String path = path(s);
        Integer expect = s.integer("expect", 200, 100, 599);
        return path == null || expect == null ? null : new CheckSpec.Http(path, expect, f.keyPos());
    }

    private CheckSpec compare(Field f) {
        Section s = Section.of(f, KnownFields.COMPARE_CHECK, d);
        if (s == null) {
            return null;
        }
        String path = path(s);
        List<String> ignore = s.strings("ignore", List.of());
        return path == null || ignore == null ? null : new CheckSpec.Compare(path, ignore, f.keyPos());
    }

    private CheckSpec command(Field f) {
        List<String> argv = nonEmpty(f, Values.strings(f, d));
        return argv == null ? null : new CheckSpec.Command(argv, f.keyPos());
    }

    private String path(Section s) {
        return s.require("path").map(f -> {
            String path = Values.string(f, d);
            if (path != null && !path.startsWith("/")) {
                d.error(f.pos(), "'path' must start with '/'");
                return null;
            }
            return path;
        }).orElse(null);
    }

    private List<String> nonEmpty(Field f, List<String> list) {
        if (list != null && list.isEmpty()) {
            d.error(f.pos(), f.quoted() + " must not be empty");
            return null;
        }
        return list;
    }
}
