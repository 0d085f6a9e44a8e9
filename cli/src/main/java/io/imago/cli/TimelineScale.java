package io.imago.cli;

import io.imago.engine.TimeSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The timeline's time axis: seconds to x. Linear when the whole window is of the steps' order; when it lasts far longer
 * (an old universe kept 15 minutes or hours for rollback after steps of seconds), the axis breaks just after the
 * steps: the steps keep most of the width at one scale, and the rest of the window is drawn compressed past the break.
 */
final class TimelineScale {
    /** The window is drawn broken past this many times the steps' duration. */
    static final double BREAK_RATIO = 3;
    /** The width of the break between the two parts of the axis. */
    static final double GAP = 14;
    private static final double[] NICE = {0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
            10800, 21600, 43200, 86400, 172800, 604800};

    final double left;
    final double right;
    /** The last second drawn. */
    final double end;
    /** Where the first, linear part of the axis ends (seconds): {@link #end} when the axis is not broken. */
    final double linearEnd;
    /** The x of {@link #linearEnd}. */
    final double linearRight;
    final boolean broken;

    private TimelineScale(double left, double right, double end, double linearEnd, double linearRight, boolean broken) {
        this.left = left;
        this.right = right;
        this.end = end;
        this.linearEnd = linearEnd;
        this.linearRight = linearRight;
        this.broken = broken;
    }

    /**
     * @param steps when the last step ends (seconds from the start of apply)
     * @param end when the last thing drawn ends (the old universe's teardown, the last cost accrued)
     */
    static TimelineScale of(double steps, double end, double left, double right) {
        double s = steps > 0 ? steps : Math.max(end, 1);
        if (end > BREAK_RATIO * s) {
            double linearEnd = s * 1.05;
            return new TimelineScale(left, right, end, linearEnd, left + (right - left) * 0.78, true);
        }
        double e = Math.max(Math.max(end, s) * 1.1, 0.001); // room after the last thing drawn, for what goes on
        return new TimelineScale(left, right, e, e, right, false);
    }

    double x(double seconds) {
        if (seconds <= linearEnd) {
            return left + Math.max(seconds, 0) * pixelsPerSecond();
        }
        double tailLeft = linearRight + GAP;
        return tailLeft + (Math.min(seconds, end) - linearEnd) / (end - linearEnd) * (right - tailLeft);
    }

    /** The scale of the linear part, the one every step is drawn at. */
    double pixelsPerSecond() {
        return (linearRight - left) / linearEnd;
    }

    /** Round ticks over the linear part, at most about eight. */
    List<Double> ticks() {
        double step = NICE[NICE.length - 1];
        for (double n : NICE) {
            if (linearEnd / n <= 8) {
                step = n;
                break;
            }
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i * step <= linearEnd + 1e-9; i++) {
            out.add(Math.round(i * step * 1000) / 1000.0);
        }
        return out;
    }

    /** A tick's label: {@code 0}, {@code 0.5 s}, {@code 30 s}, {@code 2 min}, {@code 1 h}, else as text output says it. */
    static String label(double seconds) {
        if (seconds == 0) {
            return "0";
        }
        if (seconds < 60) {
            return Xml.num(seconds) + " s";
        }
        if (seconds < 3600 && seconds % 60 == 0) {
            return String.format(Locale.ROOT, "%d min", (long) seconds / 60);
        }
        if (seconds % 3600 == 0) {
            return String.format(Locale.ROOT, "%d h", (long) seconds / 3600);
        }
        return human(seconds);
    }

    static String human(double seconds) {
        return TimeSpans.human(Duration.ofMillis(Math.round(seconds * 1000)));
    }
}
