package io.imago.engine;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations as people read them in text output ({@code 850 ms}, {@code 4.2 s}, {@code 3m05s}), as {@link ByteSizes}
 * does sizes and {@link Plural} counts; JSON output keeps plain numbers.
 */
public final class TimeSpans {
    private TimeSpans() {}

    /** {@code 850 ms}, {@code 4.2 s}, {@code 3m05s}, {@code 1h02m}: as precise as a person needs at that size. */
    public static String human(Duration d) {
        if (d.isNegative()) {
            return "-" + human(d.negated());
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
