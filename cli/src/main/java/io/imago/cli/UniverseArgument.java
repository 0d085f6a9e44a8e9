package io.imago.cli;

import io.imago.blueprints.Names;

/**
 * A UNIVERSE given on the command line ({@code destroy}, {@code rollback}, {@code status}) obeys
 * the rule a blueprint's {@code universe:} does, checked before anything is read: the name becomes
 * a file name in the state, and {@code ../x} must not reach another folder's {@code x.json}.
 */
final class UniverseArgument {
    private UniverseArgument() {}

    /** Returns {@code name} if valid; otherwise says why and exits 2 ({@link ExitCodes#BAD_INPUT}). */
    static String check(Output o, String name) {
        if (name != null && Names.valid(name)) {
            return name;
        }
        o.error("invalid universe name '" + printable(String.valueOf(name)) + "'", Names.HINT);
        throw new ExitException(ExitCodes.BAD_INPUT);
    }

    /** The name as typed, with control characters escaped: it is echoed to a terminal. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(100).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 100 ? b + "…" : b.toString();
    }
}
