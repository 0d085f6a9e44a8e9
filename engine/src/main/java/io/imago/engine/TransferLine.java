package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.state.ResourceRecord;
import io.imago.state.UniverseState;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Set;

/**
 * The data moved from the replaced universe's database to the new one's: the bulk load (the heap of the tables it
 * copies, from the source's catalog as the forecast read it) and the log shipped from the snapshot until the switch (the
 * source's WAL rate × those steps' forecast seconds). Priced per GB (2^30 bytes, as AWS bills) by both ends: what the
 * source's provider charges for data leaving it and what the target's charges for data reaching it.
 */
final class TransferLine {
    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);
    private static final Set<String> SHIPPING = Set.of(StepName.SNAPSHOT.name(), StepName.CATCH_UP.name(), StepName.VALIDATE.name(),
            StepName.SWITCHOVER.name());

    private final Prices prices;

    TransferLine(Prices prices) {
        this.prices = prices;
    }

    /** The line, or null when the blueprint copies no data. */
    Plan.CostItem between(Blueprint bp, UniverseState old, Plan.Forecast forecast) {
        if (bp.replaces() == null || bp.database() == null || old.resource("database").isEmpty()) {
            return null;
        }
        String to = bp.provider().type();
        String from = old.provider();
        String toRegion = prices.region(to);
        String fromRegion = old.resource("database").map(ResourceRecord::attrs).map(a -> a.get("region")).orElse(null);
        if (fromRegion == null && from.equals(to)) {
            fromRegion = prices.region(from);
        }
        String name = old.name() + " -> " + bp.universe();
        BigDecimal out = prices.transfer(from, true, to, toRegion, old.name());
        BigDecimal in = prices.transfer(to, false, from, fromRegion, bp.universe());
        BigDecimal perGb = out.add(in);
        Plan.SourceFacts facts = forecast.source();
        double shippingSeconds = forecast.steps().stream().filter(s -> SHIPPING.contains(s.step())).mapToDouble(Plan.StepForecast::seconds).sum();
        long heap = facts != null && facts.read() ? facts.heapBytes() : 0;
        long wal = facts != null && facts.read() ? Math.round(facts.writeBytesPerSecond() * shippingSeconds) : 0;
        BigDecimal gb = BigDecimal.valueOf(heap + wal).divide(GIB, 4, RoundingMode.HALF_UP);
        BigDecimal usd = gb.multiply(perGb).setScale(4, RoundingMode.HALF_UP);
        String what = facts != null && facts.read()
                ? ByteSizes.human(heap) + " of heap (the bulk load) + " + ByteSizes.human(wal) + " of WAL (" + bp.replaces() + "'s write rate over the "
                        + Forecasts.seconds(shippingSeconds) + " from SNAPSHOT to the switch: the log shipped)"
                : "0 GB counted: " + (facts != null ? facts.note() : bp.replaces() + "'s database was not read");
        String where = from + (fromRegion != null ? " " + fromRegion : "") + " -> " + to + (toRegion != null ? " " + toRegion : "");
        return new Plan.CostItem(name, "transfer", from.equals(to) ? to : from + "->" + to, null, 1, null, null, usd, bp.universe(),
                "from SNAPSHOT until the switch", "GB", perGb, gb, what + "; " + where + ": " + out.toPlainString() + " USD/GB out of "
                + old.name() + " + " + in.toPlainString() + " USD/GB into " + bp.universe()
                + "; counted as moving straight between the databases; a rollback's ship-back is not counted");
    }
}
