package io.imago.blueprints;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads {@code validate:}, a list of one-key mappings whose key names the kind of check. */
final class CheckReader {
    private static final String KINDS_HINT = "allowed: " + String.join(", ", KnownFields.CHECK_KINDS);
    /** These compare the new universe with the one it replaces, so they need one. */
    private static final Set<String> NEED_OLD = Set.of("rowCounts", "checksums", "compare", "shadow");

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
            case "shadow" -> shadow(kind);
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

    private CheckSpec shadow(Field f) {
        Section s = Section.of(f, KnownFields.SHADOW_CHECK, d);
        if (s == null) {
            return null;
        }
        java.time.Duration duration = s.require("duration").map(x -> Values.duration(x, d)).orElse(null);
        if (duration != null && duration.isZero()) {
            s.field("duration").ifPresent(x -> d.error(x.pos(), "'duration' must be longer than 0", "e.g. 2m: how long live reads are copied"));
            duration = null;
        }
        Double sample = ratio(s, "sample", CheckSpec.Shadow.DEFAULT_SAMPLE, true, 1.0);
        Double mismatch = ratio(s, "maxMismatchRate", CheckSpec.Shadow.DEFAULT_MAX_MISMATCH_RATE, false, 1.0);
        Double latency = ratio(s, "maxLatencyRatio", CheckSpec.Shadow.DEFAULT_MAX_LATENCY_RATIO, true, null);
        Integer min = s.integer("minRequests", CheckSpec.Shadow.DEFAULT_MIN_REQUESTS, 1, Integer.MAX_VALUE);
        List<String> ignore = s.strings("ignore", List.of());
        String report = s.string("report", null);
        if (duration == null || sample == null || mismatch == null || latency == null || min == null || ignore == null
                || s.has("report") && report == null) {
            return null;
        }
        return new CheckSpec.Shadow(duration, sample, mismatch, latency, min, ignore, report, f.keyPos());
    }

    /** A number above 0 ({@code aboveZero}) or at least 0, and at most {@code max} when given. */
    private Double ratio(Section s, String name, double orElse, boolean aboveZero, Double max) {
        java.util.Optional<Field> f = s.field(name);
        if (f.isEmpty()) {
            return orElse;
        }
        java.math.BigDecimal v = Values.decimal(f.get(), d);
        if (v == null) {
            return null;
        }
        boolean low = aboveZero ? v.signum() <= 0 : v.signum() < 0;
        if (low || max != null && v.doubleValue() > max) {
            d.error(f.get().pos(), "'" + name + "' must be " + (aboveZero ? "above 0" : "at least 0")
                    + (max == null ? "" : " and at most " + (max == 1.0 ? "1" : max)), "got " + v.toPlainString());
            return null;
        }
        return v.doubleValue();
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
