package io.imago.engine;

import io.imago.blueprints.CheckSpec;
import io.imago.providers.spi.shadow.ShadowResults;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shadow check's rules, on what the ingress found: enough requests compared ({@code minRequests}), few enough
 * differing ({@code maxMismatchRate}), the new universe's p50 and p99 latency within {@code maxLatencyRatio} of the
 * old one's for the same requests, and no 5xx (or no answer) from the new universe where the old one answered.
 */
final class ShadowGate {
    private ShadowGate() {}

    /** The figures the rules looked at, and every rule that failed, in words. */
    record Verdict(boolean passed, List<String> failures, long compared, long mismatches, double mismatchRate,
            double oldP50Ms, double newP50Ms, double oldP99Ms, double newP99Ms, double p50Ratio, double p99Ratio, long newServerErrors) {}

    static Verdict judge(CheckSpec.Shadow spec, ShadowResults r) {
        List<String> failures = new ArrayList<>();
        ShadowResults.Counts c = r.counts();
        double oldP50 = r.oldLatency().percentileMillis(0.5);
        double newP50 = r.newLatency().percentileMillis(0.5);
        double oldP99 = r.oldLatency().percentileMillis(0.99);
        double newP99 = r.newLatency().percentileMillis(0.99);
        double p50Ratio = ratio(newP50, oldP50);
        double p99Ratio = ratio(newP99, oldP99);
        if (c.compared() < spec.minRequests()) {
            failures.add("only " + Plural.count(c.compared(), "request") + " compared, fewer than minRequests (" + spec.minRequests()
                    + "): " + Plural.count(c.safeSeen(), "read") + " went through the ingress, " + c.sampled() + " copied at sample "
                    + number(spec.sample()) + (c.dropped() > 0 ? ", " + c.dropped() + " dropped with the queue full" : "")
                    + (c.oldFailed() > 0 ? ", " + c.oldFailed() + " unanswered by the old universe" : "")
                    + "; raise sample or duration, or lower minRequests");
        }
        if (c.compared() > 0 && r.mismatchRate() > spec.maxMismatchRate()) {
            failures.add(c.mismatches() + " of " + Plural.count(c.compared(), "compared request") + " differ ("
                    + percent(r.mismatchRate()) + "), above maxMismatchRate (" + percent(spec.maxMismatchRate()) + ")"
                    + worst(r));
        }
        if (p50Ratio > spec.maxLatencyRatio()) {
            failures.add("the new universe's p50 latency is " + number(p50Ratio) + "× the old one's (" + ms(newP50) + " vs " + ms(oldP50)
                    + "), above maxLatencyRatio (" + number(spec.maxLatencyRatio()) + ")");
        }
        if (p99Ratio > spec.maxLatencyRatio()) {
            failures.add("the new universe's p99 latency is " + number(p99Ratio) + "× the old one's (" + ms(newP99) + " vs " + ms(oldP99)
                    + "), above maxLatencyRatio (" + number(spec.maxLatencyRatio()) + ")");
        }
        if (c.newServerErrors() > 0) {
            failures.add("the new universe answered " + Plural.count(c.newServerErrors(), "request") + " with a 5xx (or not at all) "
                    + "where the old one did not" + serverErrorRoutes(r));
        }
        return new Verdict(failures.isEmpty(), List.copyOf(failures), c.compared(), c.mismatches(), r.mismatchRate(), oldP50, newP50, oldP99,
                newP99, p50Ratio, p99Ratio, c.newServerErrors());
    }

    /** The worst route and its most frequent field: {@code ; most on GET /api/customers/{id} ($.email)}. */
    private static String worst(ShadowResults r) {
        return r.routes().stream().filter(x -> x.mismatches() > 0).findFirst()
                .map(x -> "; most on " + x.route() + (x.fields().isEmpty() ? "" : " (" + x.fields().keySet().iterator().next() + ")"))
                .orElse("");
    }

    private static String serverErrorRoutes(ShadowResults r) {
        List<String> routes = r.routes().stream().filter(x -> x.newServerErrors() > 0).map(ShadowResults.RouteResult::route).limit(3).toList();
        return routes.isEmpty() ? "" : " (" + String.join(", ", routes) + ")";
    }

    /** NaN (not judged) when either side has no figure. */
    static double ratio(double neu, double old) {
        if (Double.isNaN(neu) || Double.isNaN(old) || old <= 0) {
            return Double.NaN;
        }
        return neu / old;
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, rate >= 0.01 ? "%.1f%%" : "%.2f%%", rate * 100);
    }

    static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, v < 10 ? "%.2f ms" : "%.1f ms", v);
    }
}
