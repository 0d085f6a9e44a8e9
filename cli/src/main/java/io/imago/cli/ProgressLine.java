package io.imago.cli;

import io.imago.engine.Progress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link Progress} reading as people and scripts see it: a bar with counts, rate and ETA for a terminal or a log
 * line, and a flat map for the JSON event. Hand-written rather than a progress-bar library: the engine already
 * throttles and aggregates across copy threads, what is left is one line of formatting that has to read the same
 * in a redrawn terminal line, a CI log and a test's golden text (a library would own the terminal and the timer).
 */
final class ProgressLine {
    static final int BAR = 20;

    private ProgressLine() {}

    /** e.g. {@code SNAPSHOT [#########...........] 45% 4,500,000 / ~10,000,000 rows copied, 150,000/s, ETA 36s · orders · 2 of 5 tables done} */
    static String text(Progress p, boolean unicode) {
        StringBuilder s = new StringBuilder(p.step()).append(' ');
        p.percent().ifPresent(pc -> s.append(bar(pc, unicode)).append(' ').append(pc).append("% "));
        s.append(count(p.done()));
        if (p.total() > 0) {
            s.append(" / ").append(p.estimated() ? "~" : "").append(count(p.total()));
        }
        s.append(' ').append(p.what());
        p.rate().ifPresent(r -> s.append(", ").append(rate(r)).append("/s"));
        p.eta().ifPresent(eta -> s.append(", ETA ").append(p.estimated() ? "~" : "").append(human(eta)));
        if (p.rate().isEmpty() || p.eta().isEmpty()) {
            s.append(", ").append(human(p.elapsed())).append(" elapsed");
        }
        if (p.current() != null) {
            s.append(" · ").append(p.current());
        }
        if (p.note() != null) {
            s.append(" · ").append(p.note());
        }
        return s.toString();
    }

    /** The JSON progress event: {@code step, table, what, done, total, estimated, rate, eta, elapsed, note}. */
    static Map<String, Object> event(Progress p) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "progress");
        e.put("step", p.step());
        e.put("table", p.current());
        e.put("what", p.what());
        e.put("done", p.done());
        e.put("total", p.total() > 0 ? p.total() : null);
        e.put("estimated", p.estimated());
        e.put("rate", p.rate().isPresent() ? Math.round(p.rate().getAsDouble() * 10) / 10.0 : null);
        e.put("eta", p.eta().map(d -> d.toMillis() / 1000.0).orElse(null));
        e.put("elapsed", p.elapsed().toMillis() / 1000.0);
        e.put("note", p.note());
        return e;
    }

    static String bar(int percent, boolean unicode) {
        int full = Math.min(BAR, percent * BAR / 100);
        return unicode ? "[" + "█".repeat(full) + "░".repeat(BAR - full) + "]" : "[" + "#".repeat(full) + ".".repeat(BAR - full) + "]";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String rate(double r) {
        return r >= 100 ? String.format(Locale.ROOT, "%,.0f", r) : String.format(Locale.ROOT, "%.1f", r);
    }

    /** 45s, 3m05s, 1h02m. */
    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
