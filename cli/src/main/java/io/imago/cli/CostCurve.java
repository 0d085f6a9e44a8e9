package io.imago.cli;

import io.imago.engine.Plan;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The window's cost as it accrues, for the timeline: each cost item accrues its USD evenly over its hours, from when
 * its universe enters the window (see {@link Plan.Cost}): the new universe's lines (and a new ingress) from the start
 * of PROVISION, the replaced universe's from the switch. At the end it has accrued every item, the plan's total before
 * rounding up to the cent.
 */
final class CostCurve {
    /** One item's accrual: {@code usd} spread evenly from {@code from} to {@code to}, seconds from the start of apply. */
    record Span(String resource, double from, double to, BigDecimal usd) {
        double share(double t) {
            if (to <= from) {
                return t >= from ? 1 : 0;
            }
            return Math.max(0, Math.min(1, (t - from) / (to - from)));
        }
    }

    /** USD accrued by {@code seconds}. */
    record Point(double seconds, double usd) {}

    private final List<Span> spans;

    private CostCurve(List<Span> spans) {
        this.spans = spans;
    }

    /** @param switchAt when the switch happens (the forecast's seconds), when the replaced universe's hours begin */
    static CostCurve of(Plan p, double switchAt) {
        List<Span> spans = new ArrayList<>();
        for (Plan.CostItem i : p.cost().items()) {
            if (i.hours() == null) { // priced by the GB, not the hour (data transfer): moved from the snapshot to the switch
                spans.add(new Span(i.resource(), Math.min(snapshotStart(p), switchAt), switchAt, i.usd()));
                continue;
            }
            double from = p.replaces() != null && p.replaces().equals(i.universe()) ? switchAt : 0;
            spans.add(new Span(i.resource(), from, from + i.hours().doubleValue() * 3600, i.usd()));
        }
        return new CostCurve(spans);
    }

    /** When SNAPSHOT starts, the steps before it laid end to end; 0 when the plan has none. */
    private static double snapshotStart(Plan p) {
        double t = 0;
        for (Plan.StepForecast s : p.duration().steps()) {
            if (s.step().equals("SNAPSHOT")) {
                return t;
            }
            t += s.seconds();
        }
        return 0;
    }

    List<Span> spans() {
        return spans;
    }

    /** When the last item stops accruing (0 without items). */
    double end() {
        return spans.stream().mapToDouble(s -> Math.max(s.from(), s.to())).max().orElse(0);
    }

    /** Every item's USD added up, unrounded: what the curve reaches at {@link #end()}. */
    BigDecimal total() {
        return spans.stream().map(Span::usd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    double at(double seconds) {
        double sum = 0;
        for (Span s : spans) {
            sum += s.usd().doubleValue() * s.share(seconds);
        }
        return sum;
    }

    /**
     * The curve's corners: 0, where any item starts or stops accruing, and the {@code extra} seconds given (such as
     * the axis's break); between corners it is a straight line.
     */
    List<Point> points(double... extra) {
        TreeSet<Double> ts = new TreeSet<>();
        ts.add(0.0);
        for (Span s : spans) {
            ts.add(s.from());
            ts.add(s.to());
        }
        for (double e : extra) {
            if (e > 0 && e < end()) {
                ts.add(e);
            }
        }
        List<Point> out = new ArrayList<>();
        for (double t : ts) {
            out.add(new Point(t, at(t)));
        }
        return out;
    }
}
