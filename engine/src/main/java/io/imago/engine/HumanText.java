package io.imago.engine;

import java.time.Duration;
import java.util.Locale;

/**
 * Counts and durations as people read them in text output ("1 table", "2 tables", "4.2 s"), the same in the engine's
 * messages and the CLI's lines; sizes are {@link ByteSizes}. JSON output keeps plain numbers.
 */
public final class HumanText {
    private HumanText() {}

    /** {@code 1 table}, {@code 0 tables}, {@code 12,345 rows}: the noun's plural is its singular plus "s". */
    public static String count(long n, String singular) {
        return count(n, singular, singular + "s");
    }

    public static String count(long n, String singular, String plural) {
        return String.format(Locale.ROOT, "%,d %s", n, n == 1 ? singular : plural);
    }

    /** {@code 850 ms}, {@code 4.2 s}, {@code 3m05s}, {@code 1h02m}: as precise as a person needs at that size. */
    public static String duration(Duration d) {
        if (d.isNegative()) {
            return "-" + duration(d.negated());
        }
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = Math.round(ms / 1000.0);
        if (s < 3_600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        long m = Math.round(s / 60.0);
        return String.format(Locale.ROOT, "%dh%02dm", m / 60, m % 60);
    }
}
