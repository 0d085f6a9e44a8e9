package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.ResourceRecord;
import io.imago.state.StateLockedException;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the CLI calls: plan, apply, status, destroy, rollback. Callers hold the state lock for changes. */
public final class Engine implements AutoCloseable {
    private final StateStore store;
    private final Reporter reporter;
    private final Map<String, Provider> providers = new HashMap<>();
    /** Reads the source for forecasts; null for the live one. */
    private final SourceProbe probe;
    /** Where price lists take their prices from (see {@link #pricing}). */
    private String pricing = "catalog";

    public Engine(StateStore store, Reporter reporter) {
        this.store = store;
        this.reporter = reporter;
        this.probe = null; // the live one, opened per blueprint (see planner)
    }

    /** With another way to read the source's size and write rate: for tests. */
    Engine(StateStore store, Reporter reporter, SourceProbe probe) {
        this.store = store;
        this.reporter = reporter;
        this.probe = probe;
    }

    public StateStore store() {
        return store;
    }

    /**
     * Where the providers' price lists take their prices from: {@code catalog} (bundled and dated: no network) or
     * {@code live} (the provider's price service, where it has one). Set before the first plan or apply.
     */
    public Engine pricing(String mode) {
        this.pricing = mode;
        return this;
    }

    /**
     * Problems only the live databases can show, for validate: tables without a key, and what an external database
     * lacks (logical decoding on a source, an empty database for a schema, the application's role).
     */
    public List<String> checkAgainstLive(Blueprint bp) {
        List<String> problems = new ArrayList<>(KeyCheck.problems(bp, store, reporter));
        problems.addAll(externalChecks(bp).problemsIfReachable(bp));
        return problems;
    }

    private ExternalChecks externalChecks(Blueprint bp) {
        return new ExternalChecks(store, reporter, type -> provider(type, type.equals(bp.provider().type()) ? bp.provider().settings() : Map.of()));
    }

    public Plan plan(Blueprint bp) {
        return plan(bp, false);
    }

    /** @param calibrate also read a sample of the replaced universe's tables (read-only) to bound the copy's rate */
    public Plan plan(Blueprint bp, boolean calibrate) {
        refuseUnfit(bp);
        return planner(bp).plan(bp, calibrate);
    }

    /** The plan of a blueprint whose tables have already been checked against the live catalog. */
    private Plan planChecked(Blueprint bp) {
        return planner(bp).plan(bp);
    }

    /**
     * Providers are opened as apply opens them (the blueprint's settings for its own type), since the first opening is
     * the one kept for the rest of the command.
     */
    private Planner planner(Blueprint bp) {
        java.util.function.Function<String, Provider> open = type -> provider(type, type.equals(bp.provider().type())
                ? bp.provider().settings() : Map.of());
        return new Planner(store, type -> open.apply(type).prices(), probe != null ? probe : SourceProbe.live(open),
                type -> Calibration.load(store, type));
    }

    /** Applies one blueprint; refuses up front when the estimate exceeds the blueprint's budget. */
    public ApplyResult apply(Blueprint bp) {
        return apply(bp, null);
    }

    /**
     * Applies one blueprint. Before anything is rented for it, forecasts the apply (kept for {@code status}, to set
     * against what each step took) and, when a budget bounds it, prices the window: an estimate over the budget is
     * refused, with both figures, and nothing is rented or recorded.
     *
     * @param maxUsd a bound given on the command line ({@code --max-usd}), or null; with {@code budget.maxUsd} too, the
     *     lower one holds
     */
    public ApplyResult apply(Blueprint bp, BigDecimal maxUsd) {
        refuseUnfit(bp);
        Plan.Forecast forecast = null;
        if (startsAfresh(bp)) {
            Budget budget = Budget.of(bp, maxUsd);
            if (budget != null) {
                Plan plan = planChecked(bp);
                budget.refuseIfExceeded(plan);
                forecast = plan.duration();
            } else {
                forecast = planner(bp).forecastOnly(bp);
            }
        }
        return new ApplyRun(store, reporter, type -> provider(type, type.equals(bp.provider().type()) ? bp.provider().settings() : Map.of()))
                .apply(bp, forecast);
    }

    /** Whether an apply of this blueprint rents from scratch (not resuming one that has rented already, nor up to date). */
    private boolean startsAfresh(Blueprint bp) {
        return store.universe(bp.universe()).map(u -> u.phase() == Phase.FAILED || u.phase() == Phase.REJECTED
                || u.phase() == Phase.ROLLED_BACK).orElse(true);
    }

    /** Refuses, before anything is rented, a blueprint the live databases cannot serve (see {@link #checkAgainstLive}). */
    private void refuseUnfit(Blueprint bp) {
        List<String> problems = new ArrayList<>();
        if (!store.universe(bp.universe()).map(u -> u.stepDone(StepName.SNAPSHOT.name())).orElse(false)) {
            problems.addAll(KeyCheck.problems(bp, store, reporter)); // once the copy is done, the tables passed this check then
        }
        problems.addAll(externalChecks(bp).problems(bp));
        if (!problems.isEmpty()) {
            throw EngineException.badInput(bp.file() + ": " + String.join("\n" + bp.file() + ": ", problems) + "\nnothing was rented");
        }
    }

    /**
     * Tears down a universe and everything it rented.
     *
     * @return what was left in place on purpose, for the user: an external database and its data
     */
    public List<String> destroy(String name) {
        UniverseState u = store.universe(name)
                .orElseThrow(() -> EngineException.badInput("no universe named '" + name + "' in this state (see `imago status`)"));
        List<String> kept = u.resources("database").stream().map(Resources::resource).filter(ExternalDatabases::isExternal)
                .map(r -> "the external database " + ExternalDatabases.where(r) + " and its data are left in place (imago does not own it); "
                        + "only the roles imago created there were dropped").toList();
        new UniverseDestroyer(store, reporter).destroy(u, provider(u.provider(), Map.of()), true);
        return kept;
    }

    /**
     * Within the rollback window, switches the ingress back to the replaced universe, shipping the writes
     * made since the switch back first.
     *
     * @param name the universe to roll back, or the one it replaced
     * @param acceptLoss roll back even when some tables' writes cannot be shipped back
     */
    public RollbackResult rollback(String name, boolean acceptLoss) {
        try {
            return new RollbackRun(store, reporter, type -> provider(type, Map.of())).rollback(name, acceptLoss);
        } catch (EngineException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException(EngineException.Kind.FAILED, "rollback failed: " + io.imago.migration.PgErrors.rootMessage(e) + "; re-run `imago rollback " + name + "` to resume", e);
        }
    }

    /** Tears down replaced universes whose rollback window has ended. Called by every changing command, under its lock. */
    public List<String> retireExpired() {
        List<String> retired = new ArrayList<>();
        for (UniverseState u : store.universes()) {
            if (windowEnded(u)) {
                reporter.info("the rollback window of " + u.name() + " has ended: tearing it down");
                try {
                    new UniverseDestroyer(store, reporter).destroy(u, provider(u.provider(), Map.of()), false);
                    retired.add(u.name());
                } catch (EngineException e) {
                    reporter.warn("not retiring " + u.name() + ": " + e.getMessage());
                }
            }
        }
        return retired;
    }

    /**
     * For commands that otherwise only read (status, plan, validate): retires what is due when no other
     * run holds the state; one that does will retire it itself.
     */
    public List<String> retireExpiredUnlessLocked() {
        if (store.universes().stream().noneMatch(Engine::windowEnded)) {
            return List.of();
        }
        try (StateStore.Lock lock = store.lock("retire universes whose rollback window ended")) {
            return retireExpired();
        } catch (StateLockedException e) {
            return List.of();
        }
    }

    private static boolean windowEnded(UniverseState u) {
        Instant after = Fact.RETIRE_AFTER.get(u);
        return u.phase() == Phase.RETIRING && after != null && after.isBefore(Instant.now());
    }

    public List<UniverseView> status(String nameOrNull) {
        List<UniverseView> out = new ArrayList<>();
        for (UniverseState u : store.universes()) {
            if (nameOrNull == null || nameOrNull.equals(u.name())) {
                out.add(view(u));
            }
        }
        if (nameOrNull != null && out.isEmpty()) {
            throw EngineException.badInput("no universe named '" + nameOrNull + "' in this state");
        }
        return out;
    }

    private UniverseView view(UniverseState u) {
        Provider p = provider(u.provider(), Map.of());
        UniverseView.Ingress ingress = null;
        IngressState ing = u.ingress() == null ? null : store.ingress(u.ingress()).orElse(null);
        if (ing != null) {
            Provider owner = ing.provider() == null ? p : provider(ing.provider(), Map.of());
            ingress = new UniverseView.Ingress(ing.name(), owner.ingress().url(Resources.resource(ing.resource())), u.name().equals(ing.live()));
        }
        UniverseView.Database db = null;
        List<UniverseView.ResourceView> resources = new ArrayList<>();
        for (ResourceRecord r : u.resources()) {
            Resource res = Resources.resource(r);
            switch (r.kind()) {
                case "database" -> {
                    boolean running = p.database().alive(res);
                    DatabaseCredentials c;
                    try {
                        c = p.database().credentials(res, false);
                    } catch (ProviderException e) {
                        // e.g. the local secret store lost the password: status still shows where the server is.
                        c = new DatabaseCredentials(r.attrs().getOrDefault("host", "?"), parsePort(r.attrs().get("port")),
                                r.attrs().getOrDefault("database", "?"), "?", null);
                    }
                    db = new UniverseView.Database("postgresql://" + c.user() + "@" + c.host() + ":" + c.port() + "/" + c.database(), running);
                    resources.add(new UniverseView.ResourceView("database", r.id(), c.host() + ":" + c.port(), r.attrs().get("pid"),
                            running ? "running" : "stopped"));
                }
                case "instance" -> {
                    boolean alive = p.compute().alive(res);
                    boolean healthy = alive && p.compute().healthy(res, r.attrs().getOrDefault(Resources.HEALTH_PATH, "/health"));
                    resources.add(new UniverseView.ResourceView("instance", r.id(), p.compute().endpoint(res).toString(),
                            r.attrs().get("pid"), healthy ? "healthy" : alive ? "unhealthy" : "stopped"));
                }
                default -> resources.add(new UniverseView.ResourceView(r.kind(), r.id(), null, r.attrs().get("pid"), null));
            }
        }
        if (ing != null && u.name().equals(ing.live())) {
            Resource ir = Resources.resource(ing.resource());
            resources.add(new UniverseView.ResourceView("ingress", ing.name(), p.ingress().url(ir).replace("http://", ""),
                    ir.attr("pid"), p.ingress().alive(ir) ? "running" : "stopped"));
        }
        List<UniverseView.StepView> journal = u.journal().stream()
                .map(j -> new UniverseView.StepView(j.step(), j.status().name(), j.at().toString(), j.detail())).toList();
        SlotWatch.Report slots = db != null && db.running() ? SlotWatch.of(store, u, p) : SlotWatch.Report.NONE;
        Map<String, String> facts = u.facts();
        if (Fact.ROLLBACK_SLOT.isSet(u) && db != null && db.running()) {
            facts = new java.util.TreeMap<>(facts);
            facts.put("rollbackSlotHolds", slots.slots().stream().filter(sl -> sl.name().equals(Fact.ROLLBACK_SLOT.get(u))).findFirst()
                    .map(sl -> ByteSizes.human(sl.walHeldBytes()) + " of WAL").orElse("unknown"));
        }
        return new UniverseView(u.name(), u.phase().name(), u.provider(), u.replaces(), ingress, db, resources, facts, journal,
                slots.slots(), slots.warnings(), timings(u));
    }

    /** Forecast against actual per step: the forecast kept when the apply started, the durations from the journal. */
    static List<UniverseView.StepTiming> timings(UniverseState u) {
        Map<String, Double> actual = new java.util.LinkedHashMap<>();
        Map<String, Instant> started = new HashMap<>();
        for (var j : u.journal()) {
            switch (j.status()) {
                case STARTED -> started.put(j.step(), j.at());
                case DONE -> {
                    Instant s = started.get(j.step());
                    if (s != null) {
                        actual.put(j.step(), Forecasts.hundredths(java.time.Duration.between(s, j.at()).toMillis() / 1000.0));
                    }
                }
                default -> { }
            }
        }
        StepTimes forecast = Fact.FORECAST.isSet(u) ? Fact.FORECAST.get(u) : new StepTimes(Map.of());
        List<UniverseView.StepTiming> out = new ArrayList<>();
        for (StepName step : StepName.values()) {
            Double f = forecast.seconds().get(step.name());
            Double a = actual.get(step.name());
            if (f != null || a != null) {
                out.add(new UniverseView.StepTiming(step.name(), f, a));
            }
        }
        return out;
    }

    /** Providers are opened once per command, on first use, and closed with the engine. */
    private Provider provider(String type, Map<String, String> settings) {
        return providers.computeIfAbsent(type, t -> {
            Map<String, String> with = new HashMap<>(settings);
            with.put(io.imago.providers.spi.ProviderContext.PRICING, pricing);
            return ProviderRegistry.open(t, with, store, reporter);
        });
    }

    @Override
    public void close() {
        providers.values().forEach(Provider::close);
        providers.clear();
    }

    private static int parsePort(String port) {
        try {
            return port == null ? 0 : Integer.parseInt(port);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
