package io.imago.cli;

import static io.imago.cli.Xml.esc;

import io.imago.engine.Plan;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The plan as one self-contained HTML page: per plan a heading with the universe names, its timeline ({@link PlanTimeline})
 * inline, and tables of the steps and of the window's cost items. No script, no stylesheet or font fetched, no date:
 * the same plan always gives the same bytes.
 */
final class PlanHtml {
    private static final String STYLE = """
            body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; }
            p.meta, p.note { color: #555; } p.note { font-size: 13px; max-width: 960px; }
            svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
            table { border-collapse: collapse; font-size: 13px; }
            th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            td.assumed { max-width: 620px; color: #444; }
            tfoot td { font-weight: bold; border-bottom: none; }
            """;

    private PlanHtml() {}

    static String page(List<Plan> plans) {
        String names = plans.stream().map(PlanHtml::title).collect(Collectors.joining(", then "));
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>").append(esc("imago plan: " + names)).append("</title>\n")
                .append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(esc("imago plan: " + names)).append("</h1>\n");
        if (plans.size() > 1) {
            b.append("<p class=\"meta\">").append(esc("One apply of these files makes them live in this order; each is drawn on its own "
                    + "axis, from the start of its own part of the apply.")).append("</p>\n");
        }
        for (Plan p : plans) {
            section(b, p, plans.size() > 1);
        }
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static String title(Plan p) {
        return p.universe() + (p.replaces() != null ? " replaces " + p.replaces() : "");
    }

    private static void section(StringBuilder b, Plan p, boolean several) {
        Plan.Forecast f = p.duration();
        b.append("<section class=\"plan\">\n");
        if (several) {
            b.append("<h2>").append(esc(title(p))).append("</h2>\n");
        }
        b.append("<p class=\"meta\">").append(esc("On the " + p.provider() + " provider. Forecast: " + TimelineScale.human(f.seconds())
                + " until " + p.universe() + " is live" + (f.untilDoneSeconds() > f.seconds() ? ", "
                + TimelineScale.human(f.untilDoneSeconds()) + " until apply returns" : "") + ". The window costs "
                + p.cost().currency() + " " + p.cost().total().toPlainString() + " (rounded up to the cent).")).append("</p>\n");
        b.append(PlanTimeline.svg(List.of(p)));
        steps(b, p);
        cost(b, p);
        if (p.rollback() != null) {
            b.append("<p class=\"note\">").append(esc("Rollback: " + p.rollback().summary())).append("</p>\n");
        }
        b.append("</section>\n");
    }

    private static void steps(StringBuilder b, Plan p) {
        Map<String, String> what = p.steps().stream()
                .collect(Collectors.toMap(Plan.PlannedStep::name, Plan.PlannedStep::description, (a, c) -> a));
        b.append("<h3>Steps</h3>\n<table class=\"steps\">\n<thead><tr><th>step</th><th class=\"num\">starts at</th>")
                .append("<th class=\"num\">lasts</th><th>what it does</th><th>what the figure assumed</th></tr></thead>\n<tbody>\n");
        double t = 0;
        for (Plan.StepForecast s : p.duration().steps()) {
            b.append("<tr><td>").append(esc(s.step())).append("</td>")
                    .append(num(t == 0 ? "0" : TimelineScale.human(t))).append(num(TimelineScale.human(s.seconds())))
                    .append("<td>").append(esc(what.getOrDefault(s.step(), ""))).append("</td>")
                    .append("<td class=\"assumed\">").append(esc(s.assumed())).append("</td></tr>\n");
            t += s.seconds();
        }
        b.append("</tbody>\n</table>\n");
        if (p.duration().calibration() != null) {
            b.append("<p class=\"note\">").append(esc("Throughputs: " + p.duration().calibration())).append("</p>\n");
        }
    }

    private static void cost(StringBuilder b, Plan p) {
        Plan.Cost c = p.cost();
        b.append("<h3>").append(esc("Cost of the window (" + c.currency() + ")")).append("</h3>\n<table class=\"cost\">\n<thead><tr>")
                .append("<th>resource</th><th>kind</th><th>provider</th><th>size</th><th class=\"num\">count</th>")
                .append("<th class=\"num\">unit price</th><th class=\"num\">hours</th><th class=\"num\">USD</th><th>universe</th><th>during</th>")
                .append("</tr></thead>\n<tbody>\n");
        Function<Object, String> cell = v -> "<td>" + esc(v == null ? "-" : v.toString()) + "</td>";
        for (Plan.CostItem i : c.items()) {
            b.append("<tr>").append(cell.apply(i.resource())).append(cell.apply(i.kind())).append(cell.apply(i.provider()))
                    .append(cell.apply(i.size())).append(num(String.valueOf(i.count())))
                    .append(num(i.unitPrice() != null ? i.unitPrice().toPlainString() + " /" + i.unit() : i.hourly().toPlainString() + " /hour"))
                    .append(num(i.hours() == null ? "-" : i.hours().toPlainString())).append(num(i.usd().toPlainString())).append(cell.apply(i.universe()))
                    .append(cell.apply(i.during())).append("</tr>\n");
        }
        b.append("</tbody>\n<tfoot><tr><td colspan=\"7\">total, rounded up to the cent</td>").append(num(c.total().toPlainString()))
                .append("<td colspan=\"2\"></td></tr></tfoot>\n</table>\n");
        b.append("<p class=\"note\">").append(esc("Per hour: " + c.hourlyBefore().toPlainString() + " before, "
                + c.hourlyAfter().toPlainString() + " once " + p.universe() + " is live (" + c.monthly().toPlainString()
                + " per month). Basis: " + c.basis() + ". Prices: " + c.source() + ".")).append("</p>\n");
    }

    private static String num(String v) {
        return "<td class=\"num\">" + esc(v) + "</td>";
    }
}
