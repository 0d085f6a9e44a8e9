package io.imago.engine;

import java.time.Duration;

/** Small helpers of the forecast's words and numbers. */
final class Forecasts {
    private Forecasts() {}

    /** Seconds as people read them: {@code 850 ms}, {@code 4.2 s}, {@code 3m05s}. */
    static String seconds(double s) {
        return TimeSpans.human(Duration.ofMillis(Math.round(s * 1000)));
    }

    /** To a hundredth of a second, as the JSON carries them. */
    static double hundredths(double s) {
        return Math.round(s * 100) / 100.0;
    }
}
