package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.ComputeSpec;
import io.imago.blueprints.Durations;
import io.imago.migration.PgErrors;
import io.imago.migration.SourceReadSample;
import io.imago.providers.spi.PriceList;
import io.imago.state.IngressState;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The dry run: which steps apply would run, what it would rent and retire, how long each step takes and what the
 * window costs. Reads the replaced universe's database (catalog and write rate, as its read-only role) only when the
 * blueprint copies data from it; writes nothing anywhere.
 */
final class Planner {
    private final StateStore store;
    private final Function<String, PriceList> prices;
    private final SourceProbe probe;
    private final Function<String, Calibration> calibrations;

    /**
     * @param prices a provider type's price list
     * @param calibrations a provider type's throughputs
     */
    Planner(StateStore store, Function<String, PriceList> prices, SourceProbe probe, Function<String, Calibration> calibrations) {
        this.store = store;
        this.prices = prices;
        this.probe = probe;
        this.calibrations = calibrations;
    }

    Plan plan(Blueprint bp) {
        return plan(bp, false);
    }

    /** @param calibrate also read a sample of the source, to bound the copy's rate by how fast the source gives up rows */
    Plan plan(Blueprint bp, boolean calibrate) {
        List<String> notes = new ArrayList<>();
        UniverseState old = bp.replaces() == null ? null : store.universe(bp.replaces()).orElse(null);
        if (bp.replaces() != null && old == null) {
            notes.add("universe " + bp.replaces() + " is not in this state yet: apply refuses to upgrade it until it is live");
        }
        UniverseState existing = store.universe(bp.universe()).orElse(null);
        if (existing != null) {
            notes.add("universe " + bp.universe() + " exists (" + existing.phase().name().toLowerCase() + "): apply resumes or leaves it as it is");
        }
        List<Plan.PlannedStep> steps = new ArrayList<>();
        List<StepName> names = new ArrayList<>();
        for (Step step : ApplyRun.PIPELINE) {
            if (step.planned(bp)) {
                steps.add(new Plan.PlannedStep(step.name().name(), step.preview(bp)));
                names.add(step.name());
            }
        }
        if (bp.replaces() != null && bp.database() != null) {
            bp.migrationOrDefault().transforms().forEach(t -> notes.add("transform " + t.table() + ": " + TransformText.describe(t)));
        }
        List<Plan.PlannedResource> resources = resources(bp, old);
        IngressState ingress = store.ingress(bp.ingress().name()).orElse(null);
        Plan.Forecast forecast = forecast(bp, old, ingress == null, names, notes, calibrate);
        double retire = forecast.steps().stream().filter(s -> s.step().equals(StepName.RETIRE.name())).mapToDouble(Plan.StepForecast::seconds)
                .sum();
        Plan.Cost cost = new CostEstimator(prices).estimate(bp, old, ingress, forecast, retire);
        return new Plan(bp.universe(), bp.replaces(), bp.provider().type(), steps, resources, cost, forecast, notes, rollback(bp));
    }

    /** The forecast alone, not priced: for an apply that no budget bounds. */
    Plan.Forecast forecastOnly(Blueprint bp) {
        UniverseState old = bp.replaces() == null ? null : store.universe(bp.replaces()).orElse(null);
        List<StepName> names = ApplyRun.PIPELINE.stream().filter(s -> s.planned(bp)).map(Step::name).toList();
        return forecast(bp, old, store.ingress(bp.ingress().name()).isEmpty(), names, new ArrayList<>(), false);
    }

    /** The forecast; the source's database is read only when the blueprint copies data from it. */
    private Plan.Forecast forecast(Blueprint bp, UniverseState old, boolean newIngress, List<StepName> steps, List<String> notes,
            boolean calibrate) {
        SourceReading reading = null;
        SourceReadSample sample = null;
        String why = null;
        if (bp.replaces() != null && bp.database() != null) {
            if (old == null) {
                why = bp.replaces() + " is not in this state yet, so its tables are unknown and counted as empty";
            } else if (old.resource("database").isEmpty()) {
                why = bp.replaces() + " has no database, so there is nothing to copy";
            } else {
                try {
                    reading = probe.read(old);
                    if (calibrate) {
                        sample = probe.sample(old, reading.migrated(bp.migrationOrDefault()));
                    }
                } catch (Exception e) {
                    why = "could not read " + old.name() + "'s database (" + PgErrors.rootMessage(e) + "), so its tables are counted as empty";
                    notes.add("the forecast " + why);
                }
            }
        }
        if (calibrate && sample == null) {
            notes.add("--calibrate read no sample: " + (why != null ? why : "nothing of " + bp.replaces() + " is copied"));
        }
        return new Forecaster(bp, calibrations.apply(bp.provider().type()), reading, why, newIngress).withSample(sample).forecast(steps);
    }

    /**
     * Invertibility as the blueprint alone shows it; {@code imago rollback} checks again against both
     * catalogs (a table new in this version, a dropped NOT NULL column without a default).
     */
    private static Plan.Rollback rollback(Blueprint bp) {
        if (bp.replaces() == null) {
            return null;
        }
        var t = bp.teardown();
        String window = t.keepForever() ? "never" : t.keepOld().isZero() ? "0" : Durations.format(t.keepOld());
        if (!t.keepForever() && t.keepOld().isZero()) {
            return new Plan.Rollback(window, false, List.of(), "no rollback: keepOld is 0, so " + bp.replaces() + " is torn down at the switch");
        }
        if (bp.database() == null) {
            return new Plan.Rollback(window, false, List.of(), "`imago rollback " + bp.universe() + "` switches the ingress back to "
                    + bp.replaces() + (t.keepForever() ? " until it is destroyed" : " within " + window) + " (no database to ship back)");
        }
        List<Plan.NotInvertible> lossy = new ArrayList<>();
        for (var tr : bp.migrationOrDefault().transforms()) {
            if (tr.skip()) {
                lossy.add(new Plan.NotInvertible(tr.table(), "skipped: writes to a table of this name on " + bp.universe() + " are not shipped back"));
            } else if (tr.className() != null) {
                lossy.add(new Plan.NotInvertible(tr.table(), "custom conversion " + tr.className() + " has no inverse"));
            }
        }
        String when = t.keepForever() ? " until " + bp.replaces() + " is destroyed" : " within " + window + " of the switch";
        String summary = "`imago rollback " + bp.universe() + "` switches back to " + bp.replaces() + when + "; writes made on " + bp.universe()
                + " are shipped back through the inverse transforms"
                + (lossy.isEmpty() ? " (every transform is invertible)"
                : ", except to " + lossy.stream().map(Plan.NotInvertible::table).collect(java.util.stream.Collectors.joining(", "))
                        + ": rolling back loses those and needs --accept-loss")
                + "; tables new in " + bp.universe() + " are not shipped back either";
        return new Plan.Rollback(window, true, lossy, summary);
    }

    private List<Plan.PlannedResource> resources(Blueprint bp, UniverseState old) {
        List<Plan.PlannedResource> out = new ArrayList<>();
        if (bp.database() != null && bp.database().isExternal()) {
            out.add(new Plan.PlannedResource("use", "database", bp.universe() + "-db", null, "external PostgreSQL at "
                    + bp.database().external().url() + ": not rented; imago creates only its roles and its bookkeeping there, "
                    + "and never drops it"));
        } else if (bp.database() != null) {
            var d = bp.database();
            out.add(new Plan.PlannedResource("create", "database", bp.universe() + "-db",
                    d.instanceClass() != null ? d.instanceClass() : d.size(),
                    "PostgreSQL " + d.version() + ", " + d.storageGb() + " GB"));
        }
        for (ComputeSpec c : bp.compute()) {
            for (int i = 0; i < c.count(); i++) {
                out.add(new Plan.PlannedResource("create", "instance", bp.universe() + "-" + c.name() + "-" + i,
                        c.instanceType() != null ? c.instanceType() : c.size(),
                        c.run() != null ? String.join(" ", c.run()) : c.image()));
            }
        }
        boolean ingressExists = store.ingress(bp.ingress().name()).isPresent();
        out.add(new Plan.PlannedResource(ingressExists ? "keep" : "create", "ingress", bp.ingress().name(), null,
                bp.ingress().type() + (bp.ingress().port() != null ? " on port " + bp.ingress().port() : "")));
        if (bp.replaces() != null && bp.database() != null) {
            out.add(new Plan.PlannedResource("create", "replication-slot", SnapshotStep.slotName(bp.universe()), null,
                    "and a publication on " + bp.replaces() + "'s database, dropped after the switch"));
        }
        if (old != null) {
            old.resources().forEach(r -> out.add(ExternalDatabases.isExternal(Resources.resource(r))
                    ? new Plan.PlannedResource("keep", r.kind(), r.id(), null, "external database of " + old.name()
                            + ": left in place, with its data, when " + old.name() + " is torn down")
                    : new Plan.PlannedResource("retire", r.kind(), r.id(), r.attrs().getOrDefault("size", "small"), "of " + old.name())));
        }
        return out;
    }
}
