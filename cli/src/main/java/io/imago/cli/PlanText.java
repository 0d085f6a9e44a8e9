package io.imago.cli;

import io.imago.engine.Plan;

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
        Plan.Cost c = p.cost();
        o.out.println("Cost estimate (" + c.currency() + "): " + o.bold(c.total().toPlainString()) + " for the upgrade, "
                + c.monthly().toPlainString() + " per month once live");
        for (Plan.CostItem item : c.items()) {
            o.out.printf("  %-28s %-9s %s/h x %s h = %s%n", item.resource(), item.size() == null ? "" : item.size(),
                    item.hourly().toPlainString(), item.hours().toPlainString(), item.usd().toPlainString());
        }
        o.out.println("  basis: " + c.basis() + "; prices: " + c.source());
    }
}
