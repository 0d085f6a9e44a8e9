package io.imago.blueprints;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One mapping of the blueprint read against the fields it may hold. Unknown fields are reported
 * as soon as the section is opened, so a typo is never silently ignored; the typed getters
 * report the rest and return null (or the default) so reading goes on.
 */
final class Section {
    private final YamlNode.Mapping map;
    private final SourcePos anchor;
    private final Diagnostics d;

    private Section(YamlNode.Mapping map, SourcePos anchor, Collection<String> known, Diagnostics d) {
        this.map = map;
        this.anchor = anchor;
        this.d = d;
        if (known != null) {
            reportUnknown(known);
        }
    }

    /** The section a field holds, or null (reported) when it is not a mapping. */
    static Section of(Field field, Collection<String> known, Diagnostics d) {
        YamlNode.Mapping map = Values.mapping(field, d);
        return map == null ? null : new Section(map, field.keyPos(), known, d);
    }

    /** A section whose keys are free (provider settings); values are still type-checked. */
    static Section open(Field field, Diagnostics d) {
        return of(field, null, d);
    }

    static Section root(YamlNode.Mapping map, Collection<String> known, Diagnostics d) {
        return new Section(map, map.pos(), known, d);
    }

    /** Reports every key not in {@code known}, with the closest known name as a hint (done at opening for closed sections). */
    void reportUnknown(Collection<String> known) {
        for (YamlNode.Entry e : map.entries()) {
            if (!known.contains(e.key())) {
                d.error(e.keyPos(), "unknown field '" + e.key() + "'",
                        DidYouMean.closest(e.key(), known).map(c -> "did you mean '" + c + "'?").orElse(null));
            }
        }
    }

    /** Where problems of the section as a whole are shown (a missing field): its key. */
    SourcePos pos() {
        return anchor;
    }

    List<YamlNode.Entry> entries() {
        return map.entries();
    }

    boolean has(String name) {
        return map.get(name).isPresent();
    }

    Optional<Field> field(String name) {
        return map.get(name).map(Field::of);
    }

    /** The field, or empty after reporting it missing. */
    Optional<Field> require(String name) {
        Optional<Field> f = field(name);
        if (f.isEmpty()) {
            d.error(anchor, "missing required field '" + name + "'");
        }
        return f;
    }

    /** The default when the field is absent; null when it is present but wrong (reported). */
    private <T> T get(String name, T orElse, Function<Field, T> read) {
        Optional<Field> f = field(name);
        return f.isPresent() ? read.apply(f.get()) : orElse;
    }

    String string(String name, String orElse) {
        return get(name, orElse, f -> Values.string(f, d));
    }

    Integer integer(String name, Integer orElse, int min, int max) {
        return get(name, orElse, f -> Values.integer(f, min, max, d));
    }

    Boolean bool(String name, Boolean orElse) {
        return get(name, orElse, f -> Values.bool(f, d));
    }

    Duration duration(String name, Duration orElse) {
        return get(name, orElse, f -> Values.duration(f, d));
    }

    String choice(String name, String orElse, List<String> allowed) {
        return get(name, orElse, f -> Values.choice(f, allowed, d));
    }

    List<String> strings(String name, List<String> orElse) {
        return get(name, orElse, f -> Values.strings(f, d));
    }
}
