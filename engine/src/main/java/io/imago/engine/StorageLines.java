package io.imago.engine;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The storage lines of the window: a database's allocated storage and an instance's disk, priced per GB-month and
 * prorated to the hours of what they belong to (GB × price / 730 per hour).
 */
final class StorageLines {
    private final Prices prices;

    StorageLines(Prices prices) {
        this.prices = prices;
    }

    /** The storage of the database line {@code db}: {@code gb} GB, where that figure comes from in {@code why}. */
    Plan.CostItem database(Plan.CostItem db, int gb, String why) {
        BigDecimal perGbMonth = prices.storage(db.provider(), "database", db.resource());
        return line(db, "database", 1, gb, perGbMonth, gb + " GB allocated, " + why);
    }

    /** The disks of the instance line {@code group}, one per instance; null when the provider charges none. */
    Plan.CostItem volumes(Plan.CostItem group) {
        int gb = prices.instanceDiskGb(group.provider(), group.size(), group.resource());
        if (gb <= 0) {
            return null;
        }
        BigDecimal perGbMonth = prices.storage(group.provider(), "volume", group.resource());
        String said = prices.describe(group.provider(), "volume", group.size());
        return line(group, "volume", group.count(), gb, perGbMonth, said != null ? said : gb + " GB each");
    }

    private static Plan.CostItem line(Plan.CostItem of, String what, int count, int gb, BigDecimal perGbMonth, String detail) {
        BigDecimal hourly = perGbMonth.multiply(BigDecimal.valueOf(gb)).divide(CostEstimator.HOURS_PER_MONTH, 6, RoundingMode.HALF_UP);
        BigDecimal usd = hourly.multiply(BigDecimal.valueOf(count)).multiply(of.hours()).setScale(4, RoundingMode.HALF_UP);
        return new Plan.CostItem(of.resource(), "storage", of.provider(), what, count, hourly, of.hours(), usd, of.universe(), of.during(),
                "GB-month", perGbMonth, BigDecimal.valueOf(gb), detail);
    }
}
