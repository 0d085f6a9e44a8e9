package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.References;
import io.imago.migration.LogShipper;
import io.imago.migration.TableMigration;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.JournalEntry;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Everything the steps of one apply share: the blueprint, the state, the providers, the log shipper. */
final class ApplyContext {
    final Blueprint bp;
    final StateStore store;
    final Provider provider;
    final Reporter reporter;
    /** The replaced universe and its provider (a migration may cross providers), or null. */
    final UniverseState old;
    final Provider oldProvider;
    private UniverseState state;

    /** The provider of the ingress users reach, when a move between providers left it with another one (see {@link Fronts}). */
    private Provider ingressProvider;

    /** Ships the old universe's changes from CATCH_UP until the switch; null before. */
    LogShipper shipper;

    /** What each validation check found, in order, for the JSON output. */
    final List<CheckResult> checks = new java.util.ArrayList<>();

    /** The migration resolved against both schemas, once per run; null until SNAPSHOT or CATCH_UP needs it. */
    List<TableMigration> tables;

    ApplyContext(Blueprint bp, StateStore store, Provider provider, Reporter reporter, UniverseState state,
            UniverseState old, Provider oldProvider) {
        this.bp = bp;
        this.store = store;
        this.provider = provider;
        this.reporter = reporter;
        this.state = state;
        this.old = old;
        this.oldProvider = oldProvider;
    }

    /** Stops log shipping if it runs; bounded even when a server has stopped answering. */
    void stopShipper() {
        if (shipper != null) {
            LogShipper s = shipper;
            shipper = null;
            s.stop();
        }
    }

    /** What the steps measured of this provider's throughput since the last save (see {@link Throughput}). */
    private final java.util.Map<Throughput, io.imago.state.ProviderCalibration.Measurement> measured = new java.util.EnumMap<>(Throughput.class);

    /**
     * Notes a throughput this apply measured, for later forecasts on this provider; saved when the step ends.
     *
     * @param basis what it was measured over, in words
     */
    synchronized void measure(Throughput figure, double value, String basis) {
        if (Double.isFinite(value) && value >= 0) {
            measured.put(figure, new io.imago.state.ProviderCalibration.Measurement(value, java.time.Instant.now(), bp.universe(), basis));
        }
    }

    /**
     * Merges what the step measured into the provider's calibration in the state. A calibration that cannot be written
     * costs a warning, never the apply.
     */
    synchronized void saveMeasurements() {
        if (measured.isEmpty()) {
            return;
        }
        java.util.Map<String, io.imago.state.ProviderCalibration.Measurement> byKey = new java.util.TreeMap<>();
        measured.forEach((t, m) -> byKey.put(t.key(), m));
        measured.clear();
        String type = provider.type();
        try {
            store.save(store.calibration(type).orElse(io.imago.state.ProviderCalibration.empty(type)).with(byKey));
        } catch (RuntimeException e) {
            reporter.warn("could not record what this apply measured on the " + type + " provider (" + e.getMessage()
                    + "): later plans forecast from the figures they had");
        }
    }

    /** Re-reads the state after helpers outside this context saved it. */
    synchronized void reload() {
        state = store.universe(state.name()).orElse(state);
    }

    synchronized UniverseState state() {
        return state;
    }

    /** Changes the universe's state and saves it at once (atomically, on disk); PROVISION updates from two threads. */
    synchronized UniverseState update(UnaryOperator<UniverseState> change) {
        state = change.apply(state);
        store.save(state);
        return state;
    }

    void journal(StepName step, JournalEntry.Status status, String detail) {
        update(s -> s.withJournal(step.name(), status, detail));
    }

    Resource database() {
        return state.resource("database").map(Resources::resource)
                .orElseThrow(() -> EngineException.failed("universe " + state.name() + " has no database"));
    }

    DatabaseCredentials db(boolean admin) {
        return provider.database().credentials(database(), admin);
    }

    Resource oldDatabase() {
        return old.resource("database").map(Resources::resource)
                .orElseThrow(() -> EngineException.failed("universe " + old.name() + " has no database to migrate from"));
    }

    DatabaseCredentials oldDb(boolean admin) {
        return oldProvider.database().credentials(oldDatabase(), admin);
    }

    /** Who reads the old universe's database: a role that can only read and stream changes, where the provider has one. */
    DatabaseCredentials oldReader() {
        return oldProvider.database().readerCredentials(oldDatabase());
    }

    List<Resource> instances() {
        return state.resources("instance").stream().map(Resources::resource).toList();
    }

    /** Where the ingress points to serve this universe: its instances, or its front when the move crosses providers. */
    List<Endpoint> endpoints() {
        if (crossesProviders()) {
            return Fronts.of(provider, state);
        }
        return instances().stream().map(r -> provider.compute().endpoint(r)).toList();
    }

    /** The provider that owns the ingress users reach: this universe's own, unless a move crosses providers. */
    Provider ingressProvider() {
        return ingressProvider == null ? provider : ingressProvider;
    }

    void ingressProvider(Provider owner) {
        this.ingressProvider = owner;
    }

    /** This universe's provider is not the one that owns its ingress: a move between providers (see {@link Fronts}). */
    boolean crossesProviders() {
        return !ingressProvider().type().equals(provider.type());
    }

    Optional<IngressState> ingressState() {
        return store.ingress(bp.ingress().name());
    }

    /** Resolves {@code ${...}} against this universe's own values. */
    String resolve(String template) {
        return References.resolve(template, this::lookup);
    }

    private String lookup(String key) {
        if (key.startsWith("env:")) {
            String v = System.getenv(key.substring(4));
            if (v == null) {
                throw EngineException.badInput("${" + key + "} is not set in imago's environment");
            }
            return v;
        }
        if (key.startsWith("secret:")) {
            return provider.secret(key.substring(7))
                    .orElseThrow(() -> EngineException.badInput("secret '" + key.substring(7) + "' is not in the " + provider.type() + " provider's secret store"));
        }
        if (key.equals("ingress.url")) {
            return ingressState().map(i -> ingressProvider().ingress().url(Resources.resource(i.resource())))
                    .orElseThrow(() -> EngineException.failed("the ingress has not been created yet"));
        }
        DatabaseCredentials c = db(false);
        return switch (key) {
            case "database.url" -> c.url();
            case "database.host" -> c.host();
            case "database.port" -> Integer.toString(c.port());
            case "database.name" -> c.database();
            case "database.user" -> c.user();
            case "database.password" -> c.password();
            default -> throw EngineException.badInput("unknown reference ${" + key + "}");
        };
    }
}
