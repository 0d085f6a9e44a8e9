package io.imago.blueprints;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts one field to the Java type the model needs, reporting a wrong type instead of
 * throwing. Every method returns null after reporting, so callers go on and find the next problem.
 */
final class Values {
    private Values() {}

    /** Any scalar, as written: a string field accepts {@code version: 16} and means "16". */
    static String string(Field f, Diagnostics d) {
        if (f.isEmpty()) {
            d.error(f.keyPos(), "missing value for " + f.quoted());
            return null;
        }
        if (f.value() instanceof YamlNode.Scalar s) {
            return s.text();
        }
        return wrongType(f, "a string", d);
    }

    static Integer integer(Field f, int min, int max, Diagnostics d) {
        if (!(f.value() instanceof YamlNode.Scalar s) || s.isNull()
                || (s.type() != YamlNode.ScalarType.INTEGER && s.type() != YamlNode.ScalarType.DECIMAL)) {
            return wrongType(f, "a number", d);
        }
        if (!(s.value() instanceof BigInteger n)) {
            d.error(s.pos(), f.quoted() + " must be a whole number");
            return null;
        }
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            d.error(s.pos(), max == Integer.MAX_VALUE
                    ? f.quoted() + " must be at least " + min
                    : f.quoted() + " must be between " + min + " and " + max);
            return null;
        }
        return n.intValue();
    }

    static BigDecimal decimal(Field f, Diagnostics d) {
        if (f.value() instanceof YamlNode.Scalar s) {
            if (s.value() instanceof BigInteger n) {
                return new BigDecimal(n);
            }
            if (s.value() instanceof BigDecimal n) {
                return n;
            }
        }
        return wrongType(f, "a number", d);
    }

    static Boolean bool(Field f, Diagnostics d) {
        if (f.value() instanceof YamlNode.Scalar s && s.value() instanceof Boolean b) {
            return b;
        }
        return wrongType(f, "true or false", d);
    }

    static Duration duration(Field f, Diagnostics d) {
        return duration(f, Durations.HINT, d);
    }

    /** @param hint the forms this field accepts, for fields that take more than a duration */
    static Duration duration(Field f, String hint, Diagnostics d) {
        if (!(f.value() instanceof YamlNode.Scalar s) || s.isNull()) {
            return wrongType(f, "a duration", d);
        }
        return Durations.tryParse(s.text()).orElseGet(() -> {
            d.error(f.pos(), "invalid duration '" + s.text() + "'", hint);
            return null;
        });
    }

    /** One of a closed set of words, e.g. a provider type; the hint lists them all. */
    static String choice(Field f, List<String> allowed, Diagnostics d) {
        String text = string(f, d);
        if (text == null) {
            return null;
        }
        if (!allowed.contains(text)) {
            d.error(f.pos(), "invalid " + f.name() + " '" + text + "'", "allowed: " + String.join(", ", allowed));
            return null;
        }
        return text;
    }

    /** A list of scalars; null when any item is wrong, all of them reported. */
    static List<String> strings(Field f, Diagnostics d) {
        YamlNode.Sequence seq = sequence(f, d);
        if (seq == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < seq.items().size(); i++) {
            String s = string(f.item(i, seq.items().get(i)), d);
            ok &= s != null;
            out.add(s);
        }
        return ok ? List.copyOf(out) : null;
    }

    /** A mapping of scalars, in file order (env and renames are shown to users in that order). */
    static Map<String, String> stringMap(Field f, Diagnostics d) {
        YamlNode.Mapping map = mapping(f, d);
        if (map == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        boolean ok = true;
        for (YamlNode.Entry e : map.entries()) {
            String s = string(Field.of(e), d);
            ok &= s != null;
            out.put(e.key(), s);
        }
        return ok ? Collections.unmodifiableMap(out) : null;
    }

    static YamlNode.Sequence sequence(Field f, Diagnostics d) {
        return f.value() instanceof YamlNode.Sequence s ? s : wrongType(f, "a list", d);
    }

    static YamlNode.Mapping mapping(Field f, Diagnostics d) {
        return f.value() instanceof YamlNode.Mapping m ? m : wrongType(f, "a mapping", d);
    }

    private static <T> T wrongType(Field f, String expected, Diagnostics d) {
        if (f.isEmpty()) {
            d.error(f.keyPos(), "missing value for " + f.quoted());
        } else {
            d.error(f.pos(), f.quoted() + " must be " + expected + ", not " + f.value().kindName());
        }
        return null;
    }
}
