package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.providers.spi.PriceList;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Prices the resources of a plan. The upgrade's cost is what the new universe runs up before it
 * replaces the old one (an hour, the usual billing minimum, covers an apply) plus the old
 * universe's resources kept for the rollback window; the monthly figure is the new universe's
 * run rate.
 */
final class CostEstimator {
    private static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);

    private CostEstimator() {}

    static Plan.Cost estimate(Blueprint bp, List<Plan.PlannedResource> resources, PriceList prices) {
        BigDecimal applyHours = BigDecimal.ONE;
        Duration keep = bp.teardown().keepForever() ? Duration.ofHours(730) : bp.teardown().keepOld();
        BigDecimal windowHours = BigDecimal.valueOf(keep.toMinutes()).divide(BigDecimal.valueOf(60), 2, RoundingMode.UP);
        List<Plan.CostItem> items = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal monthly = BigDecimal.ZERO;
        for (Plan.PlannedResource r : resources) {
            if (r.action().equals("keep") || r.action().equals("use")) {
                continue;
            }
            BigDecimal hourly = prices.hourlyUsd(r.kind(), r.size());
            BigDecimal hours = r.action().equals("retire") ? windowHours : applyHours;
            BigDecimal usd = hourly.multiply(hours).setScale(2, RoundingMode.HALF_UP);
            items.add(new Plan.CostItem(r.name(), r.kind(), r.size(), hourly, hours, usd));
            total = total.add(usd);
            if (r.action().equals("create")) {
                monthly = monthly.add(hourly.multiply(HOURS_PER_MONTH));
            }
        }
        String basis = "new universe for " + applyHours + " h of apply"
                + (bp.replaces() != null ? "; old universe kept " + windowHours + " h for rollback" : "");
        return new Plan.Cost("USD", total.setScale(2, RoundingMode.HALF_UP), monthly.setScale(2, RoundingMode.HALF_UP), items,
                prices.source(), basis);
    }
}
