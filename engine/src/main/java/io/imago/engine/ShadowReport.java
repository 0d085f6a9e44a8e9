package io.imago.engine;

import io.imago.providers.spi.shadow.Difference;
import io.imago.providers.spi.shadow.LatencyHistogram;
import io.imago.providers.spi.shadow.ShadowResults;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shadow check's report: the lines printed under the check, and one self-contained HTML page (no script, nothing
 * fetched) with the old and new latency histograms side by side, the counts, the routes and one diff per route.
 */
final class ShadowReport {
    static final int TOP_ROUTES = 5;
    private static final int BINS = 40;

    private ShadowReport() {}

    /** What the check prints: the rate, the latency ratio, then the worst routes with one example diff each. */
    static List<String> lines(ShadowGate.Verdict v, ShadowResults r) {
        return lines(v, r, java.time.Duration.ZERO);
    }

    /** @param warmUp the start of the window whose latencies were not counted */
    static List<String> lines(ShadowGate.Verdict v, ShadowResults r, java.time.Duration warmUp) {
        List<String> out = new ArrayList<>();
        ShadowResults.Counts c = r.counts();
        out.add("  compared " + Plural.count(c.compared(), "live read") + " (sample " + ShadowGate.number(r.sample()) + " of "
                + String.format(Locale.ROOT, "%,d", c.safeSeen()) + "; " + c.dropped() + " dropped, " + c.unsafeSeen() + " writes not copied): "
                + c.mismatches() + " differ (" + ShadowGate.percent(v.mismatchRate()) + "), " + c.newServerErrors() + " new 5xx, "
                + c.noiseDiscounted() + " differed only in learned noise, " + c.settledOnRetry() + " of " + c.retried()
                + " retried settled while their data changed");
        out.add("  latency new/old" + (warmUp.isZero() ? "" : " (after a warm-up of " + io.imago.blueprints.Durations.format(warmUp) + ")")
                + ": p50 " + ShadowGate.number(v.p50Ratio()) + "× (" + ShadowGate.ms(v.newP50Ms()) + " vs "
                + ShadowGate.ms(v.oldP50Ms()) + "), p99 " + ShadowGate.number(v.p99Ratio()) + "× (" + ShadowGate.ms(v.newP99Ms()) + " vs "
                + ShadowGate.ms(v.oldP99Ms()) + ")");
        if (!r.learnedNoise().isEmpty()) {
            out.add("  learned as noise: " + String.join(", ", r.learnedNoise().stream().limit(5)
                    .map(n -> n.path() + " on " + n.route() + " (" + n.differed() + " of " + n.pairs() + " old pairs)").toList()));
        }
        for (ShadowResults.RouteResult route : r.routes().stream().filter(x -> x.mismatches() > 0).limit(TOP_ROUTES).toList()) {
            out.add("  " + route.route() + ": " + route.mismatches() + " of " + route.compared() + " differ, in "
                    + String.join(", ", route.fields().entrySet().stream().limit(5).map(f -> f.getKey() + " (" + f.getValue() + ")").toList()));
            if (route.example() != null) {
                ShadowResults.Example e = route.example();
                out.add("    e.g. " + e.method() + " " + e.uri() + ": " + String.join("; ", e.differences().stream().limit(3)
                        .map(Difference::describe).toList()));
            }
        }
        return out;
    }

    static String page(String universe, String old, io.imago.blueprints.CheckSpec.Shadow spec, ShadowGate.Verdict v, ShadowResults r) {
        StringBuilder b = new StringBuilder();
        String title = "imago shadow check: " + universe + " against " + old;
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title)).append("</title>\n<style>\n")
                .append("body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; }\n")
                .append("h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }\n")
                .append(".pass { color: #1a7f37; } .fail { color: #c62828; } .panes { display: flex; gap: 24px; flex-wrap: wrap; }\n")
                .append(".panes > div { flex: 1 1 400px; min-width: 0; } .note { color: #666; font-size: 12px; }\n")
                .append("table { border-collapse: collapse; font-size: 13px; } th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; "
                        + "text-align: left; vertical-align: top; } td.num { text-align: right; font-variant-numeric: tabular-nums; }\n")
                .append("pre { background: #f6f6f6; padding: 8px; max-width: 560px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }\n")
                .append("</style>\n</head>\n<body>\n<h1>").append(esc(title)).append("</h1>\n");
        b.append("<p class=\"").append(v.passed() ? "pass\">PASSED" : "fail\">FAILED").append("</p>\n");
        if (!v.passed()) {
            b.append("<ul>\n");
            v.failures().forEach(f -> b.append("<li>").append(esc(f)).append("</li>\n"));
            b.append("</ul>\n");
        }
        b.append("<ul>\n");
        lines(v, r, ShadowCheck.warmUp(spec)).stream().limit(3).forEach(l -> b.append("<li>").append(esc(l.strip())).append("</li>\n"));
        b.append("<li>").append(esc("limits: at least " + spec.minRequests() + " compared, mismatch rate at most "
                + ShadowGate.percent(spec.maxMismatchRate()) + ", latency ratio at most " + ShadowGate.number(spec.maxLatencyRatio())
                + ", over " + io.imago.blueprints.Durations.format(spec.duration()))).append("</li>\n</ul>\n");
        b.append("<h2>Latency of the same requests</h2>\n<div class=\"panes\">\n");
        int[] range = range(r.oldLatency(), r.newLatency());
        long peak = Math.max(peak(r.oldLatency(), range), peak(r.newLatency(), range));
        b.append(histogram(r.oldLatency(), old + " (old)", "#607d8b", range, peak));
        b.append(histogram(r.newLatency(), universe + " (new)", "#1565c0", range, peak));
        b.append("</div>\n<h2>Routes</h2>\n<table>\n<tr><th>route</th><th>compared</th><th>differ</th><th>new 5xx</th><th>fields</th></tr>\n");
        for (ShadowResults.RouteResult route : r.routes()) {
            b.append("<tr><td>").append(esc(route.route())).append("</td><td class=\"num\">").append(route.compared())
                    .append("</td><td class=\"num\">").append(route.mismatches()).append("</td><td class=\"num\">").append(route.newServerErrors())
                    .append("</td><td>").append(esc(fields(route.fields()))).append("</td></tr>\n");
        }
        b.append("</table>\n<h2>Diffs (one example per route)</h2>\n");
        for (ShadowResults.RouteResult route : r.routes()) {
            ShadowResults.Example e = route.example();
            if (e == null || route.mismatches() == 0) {
                continue;
            }
            b.append("<h3>").append(esc(route.route())).append("</h3>\n<p>").append(esc(e.method() + " " + e.uri() + ": old " + e.oldStatus()
                    + ", new " + e.newStatus())).append("</p>\n<table>\n<tr><th>where</th><th>old</th><th>new</th></tr>\n");
            for (Difference d : e.differences()) {
                boolean noise = r.learnedNoise().stream().anyMatch(n -> n.route().equals(route.route())
                        && n.path().equals(io.imago.providers.spi.shadow.IgnorePaths.normalize(d.path())));
                b.append("<tr><td>").append(esc(d.path())).append(noise ? " <span class=\"note\">(learned noise)</span>" : "").append("</td><td>").append(esc(d.old())).append("</td><td>").append(esc(d.neu()))
                        .append("</td></tr>\n");
            }
            b.append("</table>\n<div class=\"panes\"><div><div class=\"note\">").append(esc(old + " (old)")).append("</div><pre>")
                    .append(esc(e.oldBody())).append("</pre></div><div><div class=\"note\">").append(esc(universe + " (new)"))
                    .append("</div><pre>").append(esc(e.newBody())).append("</pre></div></div>\n");
        }
        if (!r.learnedNoise().isEmpty()) {
            b.append("<h2>Learned as noise (two old instances differ there by themselves)</h2>\n<table>\n<tr><th>route</th><th>field</th>"
                    + "<th>old pairs differing</th></tr>\n");
            r.learnedNoise().forEach(n -> b.append("<tr><td>").append(esc(n.route())).append("</td><td>").append(esc(n.path()))
                    .append("</td><td class=\"num\">").append(n.differed()).append(" of ").append(n.pairs()).append("</td></tr>\n"));
            b.append("</table>\n");
        }
        return b.append("</body>\n</html>\n").toString();
    }

    private static String fields(Map<String, Long> fields) {
        return String.join(", ", fields.entrySet().stream().map(f -> f.getKey() + " (" + f.getValue() + ")").toList());
    }

    /** The fine buckets both histograms use, widened to whole display bins. */
    private static int[] range(LatencyHistogram a, LatencyHistogram b) {
        int lo = LatencyHistogram.BUCKETS;
        int hi = -1;
        for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
            if (a.counts()[i] + b.counts()[i] > 0) {
                lo = Math.min(lo, i);
                hi = i;
            }
        }
        if (hi < 0) {
            return new int[] {0, BINS - 1, 1};
        }
        int per = Math.max(1, (hi - lo + BINS) / BINS);
        return new int[] {lo, hi, per};
    }

    private static long peak(LatencyHistogram h, int[] range) {
        long peak = 1;
        for (int bin = 0; range[0] + bin * range[2] <= range[1]; bin++) {
            peak = Math.max(peak, binCount(h, range, bin));
        }
        return peak;
    }

    private static long binCount(LatencyHistogram h, int[] range, int bin) {
        long n = 0;
        for (int i = range[0] + bin * range[2]; i < Math.min(LatencyHistogram.BUCKETS, range[0] + (bin + 1) * range[2]); i++) {
            n += h.counts()[i];
        }
        return n;
    }

    /** One pane: bars per bin on a log time axis, the same axes for old and new. */
    private static String histogram(LatencyHistogram h, String label, String color, int[] range, long peak) {
        int w = 520;
        int ht = 220;
        int bins = (range[1] - range[0]) / range[2] + 1;
        double bw = (w - 50.0) / bins;
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + (ht + 40) + "\">\n");
        s.append("<text x=\"40\" y=\"14\" font-size=\"13\">").append(esc(label + ": p50 " + ShadowGate.ms(h.percentileMillis(0.5)) + ", p99 "
                + ShadowGate.ms(h.percentileMillis(0.99)) + ", n = " + h.total())).append("</text>\n");
        for (int bin = 0; bin < bins; bin++) {
            long n = binCount(h, range, bin);
            double bh = n * (ht - 30.0) / peak;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>%n",
                    40 + bin * bw, ht - bh, Math.max(1, bw - 1), bh, color, esc(n + " up to " + ShadowGate.ms(upper(range, bin)))));
        }
        s.append("<line x1=\"40\" y1=\"").append(ht).append("\" x2=\"").append(w - 10).append("\" y2=\"").append(ht)
                .append("\" stroke=\"#888\"/>\n");
        for (int bin = 0; bin < bins; bin += Math.max(1, bins / 5)) {
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s</text>%n", 40 + bin * bw, ht + 16,
                    esc(ShadowGate.ms(upper(range, bin)))));
        }
        return s.append("</svg>\n").toString();
    }

    private static double upper(int[] range, int bin) {
        return LatencyHistogram.upperMillis(Math.min(LatencyHistogram.BUCKETS - 1, range[0] + (bin + 1) * range[2] - 1));
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
