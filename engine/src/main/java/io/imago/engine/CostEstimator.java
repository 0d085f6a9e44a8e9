package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.ComputeSpec;
import io.imago.blueprints.Durations;
import io.imago.providers.spi.PriceList;
import io.imago.state.IngressState;
import io.imago.state.ResourceRecord;
import io.imago.state.UniverseState;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prices the upgrade's window (see {@link Plan.Cost}): every resource with its provider, size, count, unit price and
 * the hours the window keeps it, its storage, and the data moved between the universes. A resource without a price is
 * an error naming it, never a zero.
 */
final class CostEstimator {
    static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);
    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

    private final Prices prices;

    /** @param prices the price list of a provider type */
    CostEstimator(java.util.function.Function<String, PriceList> prices) {
        this.prices = new Prices(prices);
    }

    /**
     * @param old the replaced universe, null when none (or not in the state yet)
     * @param ingress the ingress as the state has it, null when PROVISION creates it
     */
    Plan.Cost estimate(Blueprint bp, UniverseState old, IngressState ingress, Plan.Forecast forecast, double retireSeconds) {
        String provider = bp.provider().type();
        BigDecimal newHours = hours(forecast.seconds());
        String untilSwitch = "from PROVISION until the switch (forecast " + Forecasts.seconds(forecast.seconds()) + ")";
        StorageLines storage = new StorageLines(prices);
        List<Plan.CostItem> items = new ArrayList<>();
        List<Plan.CostItem> stored = new ArrayList<>();
        BigDecimal after = BigDecimal.ZERO;
        if (bp.database() != null && !bp.database().isExternal()) {
            var d = bp.database();
            Plan.CostItem i = item(bp.universe() + "-db", "database", provider, d.instanceClass() != null ? d.instanceClass() : d.size(), 1,
                    newHours, bp.universe(), untilSwitch);
            items.add(i);
            Plan.CostItem s = storage.database(i, d.storageGb(), "as the blueprint declares");
            stored.add(s);
            after = after.add(i.hourly()).add(s.hourly());
        }
        for (ComputeSpec c : bp.compute()) {
            Plan.CostItem i = item(bp.universe() + "-" + c.name(), "instance", provider, c.instanceType() != null ? c.instanceType() : c.size(),
                    c.count(), newHours, bp.universe(), untilSwitch);
            items.add(i);
            after = after.add(i.hourly().multiply(BigDecimal.valueOf(c.count())));
            Plan.CostItem s = storage.volumes(i);
            if (s != null) {
                stored.add(s);
                after = after.add(s.hourly().multiply(BigDecimal.valueOf(s.count())));
            }
        }
        BigDecimal ingressHourly;
        if (ingress == null) {
            Plan.CostItem i = item(bp.ingress().name(), "ingress", provider, bp.ingress().type(), 1, newHours, bp.ingress().name(), untilSwitch);
            items.add(i);
            ingressHourly = i.hourly();
        } else {
            String owner = ingress.provider() != null ? ingress.provider() : provider;
            ingressHourly = prices.hourly(owner, "ingress", bp.ingress().type(), ingress.name());
        }
        items.addAll(stored);
        after = after.add(ingressHourly);
        BigDecimal before = ingress == null ? BigDecimal.ZERO : ingressHourly;
        String oldBasis = "";
        if (old != null) {
            boolean forever = bp.teardown().keepForever();
            double keptSeconds = (forever ? HOURS_PER_MONTH.doubleValue() * 3600 : bp.teardown().keepOld().toSeconds()) + retireSeconds;
            BigDecimal oldHours = hours(keptSeconds);
            String during = forever ? "from the switch for a month (keepOld: never keeps it until `imago destroy`)"
                    : "from the switch until keepOld (" + Durations.format(bp.teardown().keepOld()) + ") ends"
                    + (retireSeconds > 0 ? ", and its teardown (" + Forecasts.seconds(retireSeconds) + ")" : "");
            List<Plan.CostItem> oldStored = new ArrayList<>();
            for (Group g : groups(old)) {
                ResourceRecord r = g.members().get(0);
                Plan.CostItem i = item(g.name(), r.kind(), old.provider(), r.attrs().get("size"), g.members().size(), oldHours, old.name(), during);
                items.add(i);
                before = before.add(i.hourly().multiply(BigDecimal.valueOf(i.count())));
                Plan.CostItem s = switch (r.kind()) {
                    case "database" -> r.attrs().containsKey("storageGb")
                            ? storage.database(i, Integer.parseInt(r.attrs().get("storageGb")), "as " + old.name() + "'s state records it")
                            : bp.database() != null ? storage.database(i, bp.database().storageGb(), "not recorded for " + old.name()
                                    + ": taken as " + bp.universe() + "'s") : null;
                    case "instance" -> storage.volumes(i);
                    default -> null;
                };
                if (s != null) {
                    oldStored.add(s);
                    before = before.add(s.hourly().multiply(BigDecimal.valueOf(s.count())));
                }
            }
            items.addAll(oldStored);
            oldBasis = "; " + old.name() + " " + during;
            Plan.CostItem moved = new TransferLine(prices).between(bp, old, forecast);
            if (moved != null) {
                items.add(moved);
            }
        }
        BigDecimal total = items.stream().map(Plan.CostItem::usd).reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2, RoundingMode.UP);
        String basis = bp.universe() + " " + untilSwitch + oldBasis + "; storage over the same hours as what it belongs to"
                + (bp.replaces() != null && bp.database() != null ? "; the replication slot and publication cost nothing beyond "
                + bp.replaces() + "'s database" : "")
                + (bp.database() != null && bp.database().isExternal() ? "; the external database is not rented, not counted" : "");
        return new Plan.Cost("USD", total, after.multiply(HOURS_PER_MONTH).setScale(2, RoundingMode.HALF_UP), items,
                prices.sources(), basis, before.stripTrailingZeros(), after.stripTrailingZeros(),
                prices.snapshots(provider, old != null ? old.provider() : null));
    }

    /** A line of the old universe: resources of one name, kind and size. */
    private record Group(String name, List<ResourceRecord> members) {}

    /**
     * The old universe's rented resources, a compute group's instances of one size together ({@code shop-v1-web-0},
     * {@code -1}: {@code shop-v1-web}).
     */
    private static List<Group> groups(UniverseState old) {
        Map<List<String>, Group> out = new LinkedHashMap<>();
        for (ResourceRecord r : old.resources()) {
            if (ExternalDatabases.isExternal(Resources.resource(r))) {
                continue; // not rented: nothing to pay for
            }
            String name = r.kind().equals("instance") ? r.id().replaceFirst("-\\d+$", "") : r.id();
            out.computeIfAbsent(java.util.Arrays.asList(name, r.kind(), r.attrs().get("size")), k -> new Group(name, new ArrayList<>()))
                    .members().add(r);
        }
        return List.copyOf(out.values());
    }

    private Plan.CostItem item(String name, String kind, String provider, String size, int count, BigDecimal hours, String universe, String during) {
        BigDecimal unit = prices.hourly(provider, kind, size, name);
        BigDecimal usd = unit.multiply(BigDecimal.valueOf(count)).multiply(hours).setScale(4, RoundingMode.HALF_UP);
        return new Plan.CostItem(name, kind, provider, size, count, unit, hours, usd, universe, during, "hour", unit, null,
                prices.describe(provider, kind, size));
    }

    static BigDecimal hours(double seconds) {
        return BigDecimal.valueOf(seconds).divide(SECONDS_PER_HOUR, 4, RoundingMode.HALF_UP);
    }
}
