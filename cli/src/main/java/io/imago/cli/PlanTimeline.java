package io.imago.cli;

import static io.imago.cli.Xml.esc;
import static io.imago.cli.Xml.num;

import io.imago.blueprints.Durations;
import io.imago.engine.Plan;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * The forecast drawn as a timeline, in hand-written SVG (no script, nothing fetched): one bar per apply step, placed
 * one after the other by their forecast seconds, with what each figure assumed as its tooltip; the new universe's
 * lifetime from the start of PROVISION on, the old one's until the switch and its {@code keepOld}; and the window's
 * cost accruing (see {@link CostCurve}). A window far longer than the steps breaks the axis (see {@link TimelineScale}).
 * The same plan always gives the same bytes.
 */
final class PlanTimeline {
    static final int WIDTH = 960;
    private static final double LEFT = 170;
    private static final double RIGHT = 800;
    private static final double ROW = 22;
    private static final double BAR = 14;
    private static final double COST_HEIGHT = 70;
    private static final Map<String, String> COLORS = Map.of("PROVISION", "#4e79a7", "PREPARE", "#76b7b2", "SEED", "#59a14f",
            "SNAPSHOT", "#f28e2b", "CATCH_UP", "#edc948", "VALIDATE", "#b07aa1", "SWITCHOVER", "#e15759", "RETIRE", "#9c755f");

    private final Plan p;
    private final StringBuilder out;
    private final double top;

    private PlanTimeline(Plan p, StringBuilder out, double top) {
        this.p = p;
        this.out = out;
        this.top = top;
    }

    /** The plans' timelines one under the other, as an {@code <svg>} element (for a page, or a file after an XML declaration). */
    static String svg(List<Plan> plans) {
        StringBuilder body = new StringBuilder();
        double y = 0;
        for (Plan p : plans) {
            y += new PlanTimeline(p, body, y).draw();
        }
        String names = String.join(", ", plans.stream().map(Plan::universe).toList());
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + num(y) + "\" viewBox=\"0 0 " + WIDTH
                + " " + num(y) + "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\">\n"
                + "<title>" + esc("imago plan: the forecast of " + names + " as a timeline") + "</title>\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" + body + "</svg>\n";
    }

    /** An SVG file of its own. */
    static String document(List<Plan> plans) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg(plans);
    }

    /** Draws the plan from {@code top} down; returns the height it took. */
    private double draw() {
        List<Plan.StepForecast> steps = p.duration().steps();
        double[] starts = new double[steps.size()];
        double t = 0;
        double switchAt = p.duration().seconds();
        for (int i = 0; i < steps.size(); i++) {
            starts[i] = t;
            t += steps.get(i).seconds();
            if (steps.get(i).step().equals("SWITCHOVER")) {
                switchAt = t;
            }
        }
        double stepsEnd = t;
        Double keep = keepOldSeconds();
        double oldEnd = p.replaces() == null ? 0 : keep == null ? Double.POSITIVE_INFINITY : switchAt + keep + (stepsEnd - switchAt);
        CostCurve cost = CostCurve.of(p, switchAt);
        double end = Math.max(Math.max(stepsEnd, cost.end()), Double.isInfinite(oldEnd) ? 0 : oldEnd);
        TimelineScale s = TimelineScale.of(stepsEnd, end, LEFT, RIGHT);

        double plotTop = top + 74;
        double lifeTop = plotTop + steps.size() * ROW + 8;
        double costTop = lifeTop + 2 * ROW + 18;
        double axisY = costTop + COST_HEIGHT + 10;
        out.append("<g class=\"plan\" data-universe=\"").append(esc(p.universe())).append("\">\n");
        header();
        grid(s, plotTop - 4, axisY);
        for (int i = 0; i < steps.size(); i++) {
            step(s, steps.get(i), starts[i], plotTop + i * ROW);
        }
        lifetimes(s, lifeTop, switchAt, oldEnd, keep);
        cost(s, cost, costTop);
        axis(s, axisY);
        if (s.broken) {
            brk(s, lifeTop - 6, axisY); // below the steps, which all lie left of it, so that no step's label is cut
        }
        double x = s.x(switchAt);
        out.append("<g class=\"switch\"><line x1=\"").append(num(x)).append("\" y1=\"").append(num(plotTop - 12)).append("\" x2=\"")
                .append(num(x)).append("\" y2=\"").append(num(axisY)).append("\" stroke=\"#333333\" stroke-dasharray=\"4 3\"/>")
                .append(text(x, plotTop - 14, "middle", "#333333", "switch, " + TimelineScale.human(switchAt))).append("</g>\n");
        out.append("</g>\n");
        return axisY + 34 - top;
    }

    private void header() {
        Plan.Forecast f = p.duration();
        String title = p.universe() + (p.replaces() != null ? " replaces " + p.replaces() : "");
        String sub = "on the " + p.provider() + " provider: live after " + TimelineScale.human(f.seconds())
                + (f.untilDoneSeconds() > f.seconds() ? ", apply returns after " + TimelineScale.human(f.untilDoneSeconds()) : "")
                + "; the window costs " + p.cost().currency() + " " + p.cost().total().toPlainString();
        out.append("<text class=\"heading\" x=\"12\" y=\"").append(num(top + 22)).append("\" font-size=\"16\" font-weight=\"bold\">")
                .append(esc(title)).append("</text>\n");
        out.append(text(12, top + 40, "start", "#555555", sub)).append('\n');
    }

    private void grid(TimelineScale s, double y1, double y2) {
        out.append("<g class=\"grid\" stroke=\"#e6e6e6\">");
        for (double t : s.ticks()) {
            out.append(line(s.x(t), y1, s.x(t), y2));
        }
        if (s.broken) {
            out.append(line(s.x(s.end), y1, s.x(s.end), y2));
        }
        out.append("</g>\n");
    }

    private void step(TimelineScale s, Plan.StepForecast f, double start, double y) {
        double x = s.x(start);
        double w = f.seconds() * s.pixelsPerSecond();
        String color = COLORS.getOrDefault(f.step(), "#8c8c8c");
        String duration = TimelineScale.human(f.seconds());
        out.append("<g class=\"step\" data-step=\"").append(esc(f.step())).append("\" data-start=\"").append(num(start))
                .append("\" data-seconds=\"").append(f.seconds()).append("\">");
        out.append("<title>").append(esc(f.step() + ", " + duration + ": " + f.assumed())).append("</title>");
        out.append(text("name", 12, y + 11, "start", "#222222", f.step()));
        out.append("<rect class=\"bar\" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(BAR)).append("\" rx=\"2\" fill=\"").append(color).append("\"/>");
        if (w < 1) { // a step of no time (RETIRE while the old universe is kept): a tick, so it is still seen
            out.append("<line x1=\"").append(num(x)).append("\" y1=\"").append(num(y)).append("\" x2=\"").append(num(x)).append("\" y2=\"")
                    .append(num(y + BAR)).append("\" stroke=\"").append(color).append("\" stroke-width=\"2\"/>");
        }
        out.append(text("duration", x + Math.max(w, 0) + 5, y + 11, "start", "#222222", duration));
        out.append("</g>\n");
    }

    private void lifetimes(TimelineScale s, double y, double switchAt, double oldEnd, Double keep) {
        double x0 = s.x(0);
        double xs = s.x(switchAt);
        String name = p.universe();
        out.append("<g class=\"lifetime\" data-universe=\"").append(esc(name)).append("\" data-from=\"0\">")
                .append("<title>").append(esc(name + ": rented from the start of PROVISION, live from the switch at "
                        + TimelineScale.human(switchAt) + " onwards")).append("</title>")
                .append(text(12, y + 11, "start", "#222222", name + " (new)"))
                .append(rect(x0, y, xs - x0, "#59a14f", "0.35"))
                .append(rect(xs, y, RIGHT - xs, "#59a14f", "1"))
                .append(arrow(RIGHT, y, "#59a14f"))
                .append(text(RIGHT + 14, y + 11, "start", "#222222", "live onwards")).append("</g>\n");
        if (p.replaces() == null) {
            return;
        }
        String old = p.replaces();
        double y2 = y + ROW;
        boolean forever = Double.isInfinite(oldEnd);
        double xe = forever ? RIGHT : s.x(oldEnd);
        String kept = forever ? "kept until `imago destroy` (keepOld: never)"
                : keep == 0 ? "torn down at the switch (keepOld: 0)" : "kept " + TimelineScale.human(keep) + " for rollback (keepOld)";
        String label = forever ? "kept (keepOld: never)" : "gone at " + TimelineScale.human(oldEnd);
        out.append("<g class=\"lifetime\" data-universe=\"").append(esc(old)).append("\" data-to=\"")
                .append(forever ? "never" : num(oldEnd)).append("\">")
                .append("<title>").append(esc(old + ": live until the switch at " + TimelineScale.human(switchAt) + ", then " + kept
                        + (forever ? "" : "; gone " + TimelineScale.human(oldEnd) + " after apply starts"))).append("</title>")
                .append(text(12, y2 + 11, "start", "#222222", old + " (old)"))
                .append(rect(x0, y2, xs - x0, "#4e79a7", "1"))
                .append(rect(xs, y2, xe - xs, "#4e79a7", "0.35"))
                .append(forever ? arrow(RIGHT, y2, "#4e79a7") : "")
                .append(text(forever ? RIGHT + 14 : xe + 5, y2 + 11, "start", "#222222", label)).append("</g>\n");
    }

    private void cost(TimelineScale s, CostCurve c, double y) {
        double base = y + COST_HEIGHT;
        double max = Math.max(c.at(c.end()), 1e-12);
        List<CostCurve.Point> pts = c.points(s.linearEnd);
        StringBuilder line = new StringBuilder();
        double lastX = s.x(0);
        double lastY = base;
        for (CostCurve.Point pt : pts) {
            lastX = s.x(pt.seconds());
            lastY = base - pt.usd() / max * COST_HEIGHT;
            line.append(line.isEmpty() ? "" : " ").append(num(lastX)).append(',').append(num(lastY));
        }
        String total = p.cost().currency() + " " + p.cost().total().toPlainString();
        out.append("<g class=\"cost\">");
        out.append("<title>").append(esc("The window's cost as it accrues: " + total + " in all (rounded up to the cent); "
                + p.cost().basis())).append("</title>");
        out.append(text(12, y + COST_HEIGHT / 2 + 4, "start", "#222222", "cost (" + p.cost().currency() + ")"));
        out.append("<g stroke=\"#999999\">").append(line(s.x(0), base, RIGHT, base)).append("</g>");
        out.append("<polygon class=\"cost-area\" points=\"").append(num(s.x(0))).append(',').append(num(base)).append(' ').append(line)
                .append(' ').append(num(lastX)).append(',').append(num(base)).append("\" fill=\"#e15759\" fill-opacity=\"0.15\"/>");
        out.append("<polyline class=\"cost-line\" points=\"").append(line).append("\" fill=\"none\" stroke=\"#e15759\" stroke-width=\"2\"/>");
        out.append("<circle class=\"cost-end\" cx=\"").append(num(lastX)).append("\" cy=\"").append(num(lastY))
                .append("\" r=\"3\" fill=\"#e15759\" data-seconds=\"").append(num(c.end())).append("\" data-usd=\"")
                .append(c.total().setScale(4, RoundingMode.HALF_UP).toPlainString()).append("\"/>");
        out.append(text(s.x(0) - 6, base + 4, "end", "#555555", "0"));
        out.append(text("cost-total", lastX + 6, lastY + 4, "start", "#222222", total));
        out.append("</g>\n");
    }

    private void axis(TimelineScale s, double y) {
        StringBuilder lines = new StringBuilder(line(s.left, y, s.broken ? s.linearRight : s.right, y));
        StringBuilder labels = new StringBuilder();
        if (s.broken) {
            lines.append(line(s.linearRight + TimelineScale.GAP, y, s.right, y)).append(line(s.right, y, s.right, y + 4));
            labels.append(text(s.right, y + 16, "middle", "#333333", TimelineScale.human(s.end)));
        }
        for (double t : s.ticks()) {
            lines.append(line(s.x(t), y, s.x(t), y + 4));
            labels.append(text(s.x(t), y + 16, "middle", "#333333", TimelineScale.label(t)));
        }
        out.append("<g class=\"axis\"><g stroke=\"#333333\">").append(lines).append("</g>").append(labels)
                .append(text(s.left, y + 30, "start", "#555555", "time from the start of apply"
                        + (s.broken ? " (the axis breaks after the steps: what follows is compressed)" : "")))
                .append("</g>\n");
    }

    /** The break: a white band over everything drawn across it, edged by two zigzags. */
    private void brk(TimelineScale s, double y1, double y2) {
        double a = s.linearRight + 3;
        double b = s.linearRight + TimelineScale.GAP - 3;
        out.append("<g class=\"break\"><title>").append(esc("axis broken: the steps to the left at one scale, the rest of the window ("
                        + TimelineScale.human(s.linearEnd) + " to " + TimelineScale.human(s.end) + ") compressed to the right")).append("</title>")
                .append("<rect x=\"").append(num(a)).append("\" y=\"").append(num(y1)).append("\" width=\"").append(num(b - a))
                .append("\" height=\"").append(num(y2 - y1 + 6)).append("\" fill=\"#ffffff\"/>");
        for (double x : new double[] {a, b}) {
            StringBuilder zig = new StringBuilder();
            int i = 0;
            for (double y = y1; y <= y2 + 6; y += 6, i++) {
                zig.append(zig.isEmpty() ? "" : " ").append(num(x + (i % 2 == 0 ? -2 : 2))).append(',').append(num(y));
            }
            out.append("<polyline points=\"").append(zig).append("\" fill=\"none\" stroke=\"#999999\"/>");
        }
        out.append("</g>\n");
    }

    /** The rollback window in seconds: null for keepOld: never, 0 when the plan replaces nothing or keeps nothing. */
    private Double keepOldSeconds() {
        if (p.rollback() == null || p.rollback().window() == null) {
            return 0.0;
        }
        if (p.rollback().window().equals("never")) {
            return null;
        }
        return Durations.tryParse(p.rollback().window()).map(d -> d.toMillis() / 1000.0).orElse(0.0);
    }

    private static String text(double x, double y, String anchor, String color, String content) {
        return text(null, x, y, anchor, color, content);
    }

    private static String text(String cls, double x, double y, String anchor, String color, String content) {
        return "<text" + (cls == null ? "" : " class=\"" + cls + "\"") + " x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (anchor.equals("start") ? "" : " text-anchor=\"" + anchor + "\"")
                + " fill=\"" + color + "\">" + esc(content) + "</text>";
    }

    private static String line(double x1, double y1, double x2, double y2) {
        return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"/>";
    }

    private static String rect(double x, double y, double w, String color, String opacity) {
        return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(Math.max(w, 0)) + "\" height=\"" + num(BAR)
                + "\" fill=\"" + color + "\" fill-opacity=\"" + opacity + "\"/>";
    }

    private static String arrow(double x, double y, String color) {
        return "<polygon points=\"" + num(x) + "," + num(y - 2) + " " + num(x + 8) + "," + num(y + BAR / 2) + " " + num(x) + ","
                + num(y + BAR + 2) + "\" fill=\"" + color + "\"/>";
    }
}
