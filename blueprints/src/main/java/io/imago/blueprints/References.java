package io.imago.blueprints;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code ${...}} references in compute {@code env} values and {@code run} arguments. Validation
 * checks the names when a blueprint is loaded; the engine resolves them at apply time, when the
 * universe's database and ingress exist. <code>$${</code> writes a literal <code>${</code>.
 */
public final class References {
    /** The references that need no name of their own; {@code env:NAME} and {@code secret:NAME} come beside them. */
    public static final List<String> FIXED = List.of(
            "database.url", "database.host", "database.port", "database.name", "database.user",
            "database.password", "ingress.url");

    public static final String ENV_PREFIX = "env:";
    public static final String SECRET_PREFIX = "secret:";

    /** The fixed references whose value is or carries a password. */
    public static final List<String> SECRET = List.of("database.password", "database.url");

    private References() {}

    /**
     * Whether the reference {@code name} (without <code>${}</code>) resolves to a secret: the
     * database password, the database URL (it carries the password) or any {@code secret:NAME}.
     * Such values may go into an instance's environment, never into its arguments.
     */
    public static boolean isSecret(String name) {
        return SECRET.contains(name) || name.startsWith(SECRET_PREFIX);
    }

    /** One reference in a template, by name without <code>${}</code> ({@code database.url}, {@code env:HOME}). */
    record Ref(String name, int offset) {}

    /** What a template holds; {@code unclosedAt} is the offset of a <code>${</code> with no <code>}</code>, or -1. */
    record Scan(List<Ref> refs, int unclosedAt) {}

    /**
     * Replaces every reference by {@code lookup}'s answer for its name.
     *
     * @throws IllegalArgumentException when a <code>${</code> is not closed or {@code lookup} answers null
     */
    public static String resolve(String template, Function<String, String> lookup) {
        StringBuilder out = new StringBuilder(template.length());
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (template.startsWith("${", i)) {
                int close = template.indexOf('}', i + 2);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed '${' in '" + template + "'");
                }
                String name = template.substring(i + 2, close);
                String value = lookup.apply(name);
                if (value == null) {
                    throw new IllegalArgumentException("unknown reference '${" + name + "}'");
                }
                out.append(value);
                i = close + 1;
            } else {
                out.append(template.charAt(i++));
            }
        }
        return out.toString();
    }

    /** The names referenced in {@code template}, in order; an unclosed <code>${</code> is not one. */
    public static List<String> find(String template) {
        return scan(template).refs().stream().map(Ref::name).toList();
    }

    static Scan scan(String template) {
        List<Ref> refs = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("$${", i)) {
                i += 3;
            } else if (template.startsWith("${", i)) {
                int close = template.indexOf('}', i + 2);
                if (close < 0) {
                    return new Scan(List.copyOf(refs), i);
                }
                refs.add(new Ref(template.substring(i + 2, close), i));
                i = close + 1;
            } else {
                i++;
            }
        }
        return new Scan(List.copyOf(refs), -1);
    }
}
