package io.imago.blueprints;

import java.util.regex.Pattern;

/**
 * Names that end up in resource names, tags, DNS labels and state paths. The rule is the
 * intersection of what the providers accept, so a name valid here is valid everywhere.
 */
public final class Names {
    public static final String HINT = "use lowercase letters, digits and '-', starting with a letter, at most 40 characters";
    /** The rule as a regular expression (also in the JSON Schema). */
    static final String PATTERN = "[a-z][a-z0-9-]{0,39}";
    private static final Pattern NAME = Pattern.compile(PATTERN);

    private Names() {}

    /** The rule for every name, the universe's included: also how the CLI checks a UNIVERSE argument. */
    public static boolean valid(String name) {
        return NAME.matcher(name).matches();
    }

    /** The field's name if valid; otherwise null, reported as e.g. "invalid universe name 'Shop'". */
    static String read(Field f, String what, Diagnostics d) {
        String name = Values.string(f, d);
        if (name != null && !valid(name)) {
            d.error(f.pos(), "invalid " + what + " name '" + name + "'", HINT);
            return null;
        }
        return name;
    }
}
