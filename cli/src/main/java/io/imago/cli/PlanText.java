package io.imago.cli;

import io.imago.engine.ByteSizes;
import io.imago.engine.Plan;
import io.imago.engine.Plural;
import io.imago.engine.TimeSpans;

/** The plan as people read it: steps, a resource table with +/~/- marks, the cost. */
final class PlanText {
    private PlanText() {}

    static void print(Output o, Plan p) {
        o.out.println(o.bold("Plan for universe " + p.universe()) + (p.replaces() != null ? " (replaces " + p.replaces() + ")" : "")
                + " on the " + p.provider() + " provider");
        o.out.println();
        o.out.println("Steps:");
        int i = 1;
        for (Plan.PlannedStep s : p.steps()) {
            o.out.printf("  %d. %-10s %s%n", i++, s.name(), s.description());
        }
        o.out.println();
        o.out.println("Resources:");
        for (Plan.PlannedResource r : p.resources()) {
            String mark = switch (r.action()) {
                case "create" -> o.green("+");
                case "retire" -> o.red("-");
                default -> " ";
            };
            o.out.printf("  %s %-8s %-16s %-28s %s%n", mark, r.action(), r.kind(), r.name(),
                    (r.size() == null ? "" : r.size() + "  ") + (r.detail() == null ? "" : r.detail()));
        }
        if (p.rollback() != null) {
            o.out.println();
            o.out.println("Rollback: " + p.rollback().summary());
            p.rollback().notInvertible().forEach(n -> o.out.println("  " + o.yellow("!") + " " + n.table() + ": " + n.reason()));
        }
        if (!p.notes().isEmpty()) {
            o.out.println();
            o.out.println("Notes:");
            p.notes().forEach(n -> o.out.println("  - " + n));
        }
        o.out.println();
        forecast(o, p);
        o.out.println();
        Plan.Cost c = p.cost();
        o.out.println("Cost of the window (" + c.currency() + "): " + o.bold(c.total().toPlainString()) + " (rounded up to the cent)");
        o.out.printf("  %-24s %-8s %-9s %-14s %5s %18s %8s %9s%n", "resource", "kind", "provider", "size", "count", "unit price", "hours",
                "USD");
        for (Plan.CostItem item : c.items()) {
            o.out.printf("  %-24s %-8s %-9s %-14s %5d %18s %8s %9s  %s%n", item.resource(), item.kind(), item.provider(), size(item),
                    item.count(), item.unitPrice().toPlainString() + " /" + item.unit(), item.hours() == null ? "-" : item.hours().toPlainString(),
                    item.usd().toPlainString(), item.during());
            if (item.detail() != null) {
                wrap(o, item.detail(), "      ", "      ");
            }
        }
        o.out.println("  per hour: " + c.hourlyBefore().toPlainString() + " before, " + c.hourlyAfter().toPlainString() + " once "
                + p.universe() + " is live (" + c.monthly().toPlainString() + " per month)");
        wrap(o, "basis: " + c.basis(), "  ", "         ");
        wrap(o, "snapshots: " + c.snapshots(), "  ", "             ");
        wrap(o, "prices: " + c.source(), "  ", "          ");
    }

    /** The size column: the provider's size, or the GB a storage or transfer line counts. */
    private static String size(Plan.CostItem item) {
        if (item.quantity() != null) {
            return item.quantity().stripTrailingZeros().toPlainString() + " GB" + (item.kind().equals("storage") ? " " + item.size() : "");
        }
        return item.size() == null ? "-" : item.size();
    }

    /** The forecast as a table: a step, its seconds, and what they assumed (wrapped under it). */
    private static void forecast(Output o, Plan p) {
        Plan.Forecast f = p.duration();
        boolean after = f.untilDoneSeconds() > f.seconds();
        o.out.println("Forecast: " + o.bold(TimeSpans.human(java.time.Duration.ofMillis(Math.round(f.seconds() * 1000))))
                + " until " + p.universe() + " is live" + (after ? ", " + TimeSpans.human(java.time.Duration.ofMillis(Math.round(
                f.untilDoneSeconds() * 1000))) + " until apply returns" : ""));
        for (Plan.StepForecast s : f.steps()) {
            String secs = TimeSpans.human(java.time.Duration.ofMillis(Math.round(s.seconds() * 1000)));
            wrap(o, String.format("%-10s %8s  %s", s.step(), secs, s.assumed()), "  ", " ".repeat(23));
        }
        if (f.source() != null) {
            Plan.SourceFacts sf = f.source();
            wrap(o, sf.read() ? "source: " + sf.universe() + ", " + Plural.count(sf.tables(), "table") + " to copy, "
                    + String.format(java.util.Locale.ROOT, "~%,d", sf.rows()) + " rows, " + ByteSizes.human(sf.heapBytes()) + " of heap, "
                    + ByteSizes.human(sf.indexBytes()) + " of indexes; writing " + ByteSizes.human((long) sf.writeBytesPerSecond())
                    + "/s of WAL (" + sf.note() + ")" : "source: " + sf.note(), "  ", "          ");
        }
        wrap(o, "throughputs: " + f.calibration(), "  ", "               ");
    }

    /** Prints a long line folded at about 118 columns, the first line after {@code first}, the others after {@code rest}. */
    static void wrap(Output o, String text, String first, String rest) {
        int width = 118;
        String prefix = first;
        String left = text;
        while (prefix.length() + left.length() > width) {
            int cut = left.lastIndexOf(' ', width - prefix.length());
            if (cut <= 0) {
                break;
            }
            o.out.println(prefix + left.substring(0, cut));
            left = left.substring(cut + 1);
            prefix = rest;
        }
        o.out.println(prefix + left);
    }
}
