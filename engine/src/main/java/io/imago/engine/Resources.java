package io.imago.engine;

import io.imago.providers.spi.Resource;
import io.imago.migration.PgEndpoint;
import io.imago.providers.spi.Provider;
import io.imago.state.ResourceRecord;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.Map;
import java.util.Optional;

/** Maps between what providers return and what the state records. */
final class Resources {
    private Resources() {}

    /** Attribute of an instance's record: the path its health check asks (the blueprint's, kept for status and rollback). */
    static final String HEALTH_PATH = "healthPath";

    static ResourceRecord record(Resource r) {
        return new ResourceRecord(r.kind(), r.id(), r.attrs());
    }

    static Resource resource(ResourceRecord r) {
        return new Resource(r.kind(), r.id(), r.attrs());
    }

    /**
     * The owner's endpoint of a universe's database, for work outside an apply's context (checks
     * and cleanup); empty when the universe has no database.
     */
    static Optional<PgEndpoint> adminOf(UniverseState u, StateStore store, Reporter reporter) {
        if (u.resource("database").isEmpty()) {
            return Optional.empty();
        }
        try (Provider p = ProviderRegistry.open(u.provider(), Map.of(), store, reporter)) {
            return Optional.of(SnapshotStep.endpoint(p.database().credentials(resource(u.resource("database").get()), true)));
        }
    }
}
