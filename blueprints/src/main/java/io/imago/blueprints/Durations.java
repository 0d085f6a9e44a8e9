package io.imago.blueprints;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blueprint's duration syntax: {@code 500ms}, {@code 10s}, {@code 15m}, {@code 2h}, {@code 0},
 * and combinations from the largest unit down such as {@code 1m30s}. Deliberately smaller than
 * ISO-8601, which users misread ({@code PT15M}), and than Go's, which allows fractions.
 */
public final class Durations {
    /** The hint shown with an invalid duration. */
    public static final String HINT = "use e.g. 500ms, 10s, 15m, 2h";

    // "m(?!s)" so that "15ms" is not read as 15 minutes followed by garbage.
    static final String REGEX = "(?:(\\d{1,15})h)?(?:(\\d{1,15})m(?!s))?(?:(\\d{1,15})s)?(?:(\\d{1,15})ms)?";
    private static final Pattern SYNTAX = Pattern.compile(REGEX);

    private static final long[] UNIT_MILLIS = {3_600_000L, 60_000L, 1_000L, 1L};
    private static final String[] UNIT_NAMES = {"h", "m", "s", "ms"};

    private Durations() {}

    /** @throws IllegalArgumentException with the user-facing message when {@code text} is not a duration */
    public static Duration parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException("invalid duration '" + text + "'"));
    }

    public static Optional<Duration> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        if (text.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = SYNTAX.matcher(text);
        if (text.isEmpty() || !m.matches()) {
            return Optional.empty();
        }
        try {
            Duration total = Duration.ZERO;
            for (int unit = 0; unit < UNIT_MILLIS.length; unit++) {
                if (m.group(unit + 1) != null) {
                    long amount = Long.parseLong(m.group(unit + 1));
                    total = total.plus(Duration.ofMillis(Math.multiplyExact(amount, UNIT_MILLIS[unit])));
                }
            }
            return Optional.of(total);
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }

    /**
     * The shortest text {@link #parse} reads back as {@code duration}: {@code 90s} rather than
     * {@code 1m30s}, {@code 1h1ms} rather than {@code 3600001ms}. Below a millisecond is dropped.
     */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            return "-" + format(duration.negated());
        }
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0";
        }
        String single = singleUnit(millis);
        String combined = combined(millis);
        return combined.length() < single.length() ? combined : single;
    }

    private static String singleUnit(long millis) {
        for (int unit = 0; unit < UNIT_MILLIS.length; unit++) {
            if (millis % UNIT_MILLIS[unit] == 0) {
                return millis / UNIT_MILLIS[unit] + UNIT_NAMES[unit];
            }
        }
        throw new AssertionError("every count of milliseconds is whole in ms");
    }

    private static String combined(long millis) {
        StringBuilder out = new StringBuilder();
        long rest = millis;
        for (int unit = 0; unit < UNIT_MILLIS.length; unit++) {
            long amount = rest / UNIT_MILLIS[unit];
            rest %= UNIT_MILLIS[unit];
            if (amount > 0) {
                out.append(amount).append(UNIT_NAMES[unit]);
            }
        }
        return out.toString();
    }
}
