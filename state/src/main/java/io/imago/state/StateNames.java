package io.imago.state;

import java.util.regex.Pattern;

/**
 * The names a store turns into file names or object keys. Commands check names for users first (with the
 * blueprint's rule); this is the defence behind them, so that a path or a key never comes out of a name like
 * {@code ../x}.
 */
public final class StateNames {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");

    private StateNames() {}

    /** Returns the name if it is plain; otherwise refuses it. */
    public static String plain(String name) {
        if (name == null || !PLAIN.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain name for the state: '" + name + "'");
        }
        return name;
    }

    /** True for a name {@link #plain} accepts. */
    public static boolean isPlain(String name) {
        return name != null && PLAIN.matcher(name).matches();
    }
}
