package io.imago.engine;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A provider as the engine sees it: the provider itself, except that a database resource marked external is served by
 * {@link ExternalDatabases}, whatever the provider. Every engine path that reaches a database through
 * {@code provider.database()} (the copy, shipping, fences, checks, status, destroy, rollback) thereby works on an
 * external one unchanged; only the creation is chosen by the blueprint ({@link ProvisionStep}).
 */
final class WithExternalDatabases implements Provider {
    private final Provider provider;
    private final ExternalDatabases external;
    private final DatabaseService routed;

    WithExternalDatabases(Provider provider, ExternalDatabases external) {
        this.provider = provider;
        this.external = external;
        this.routed = new Routed(provider.database(), external);
    }

    /** The external database service of an engine-opened provider. */
    static ExternalDatabases external(Provider p) {
        if (p instanceof WithExternalDatabases w) {
            return w.external;
        }
        throw EngineException.failed("database.external is not available with the " + p.type() + " provider here");
    }

    @Override
    public String type() {
        return provider.type();
    }

    @Override
    public ComputeService compute() {
        return provider.compute();
    }

    @Override
    public DatabaseService database() {
        return routed;
    }

    @Override
    public IngressService ingress() {
        return provider.ingress();
    }

    @Override
    public PriceList prices() {
        return provider.prices();
    }

    @Override
    public Optional<String> secret(String name) {
        return provider.secret(name);
    }

    @Override
    public void close() {
        provider.close();
    }

    /** Routes by the resource: external ones here, the rest to the provider's own service. */
    private record Routed(DatabaseService own, ExternalDatabases external) implements DatabaseService {
        private DatabaseService of(Resource r) {
            return ExternalDatabases.isExternal(r) ? external : own;
        }

        @Override
        public Resource create(DatabaseRequest request) {
            return own.create(request);
        }

        @Override
        public DatabaseCredentials credentials(Resource database, boolean admin) {
            return of(database).credentials(database, admin);
        }

        @Override
        public DatabaseCredentials readerCredentials(Resource database) {
            return of(database).readerCredentials(database);
        }

        @Override
        public void ensureRunning(Resource database) {
            of(database).ensureRunning(database);
        }

        @Override
        public void destroy(Resource database) {
            of(database).destroy(database);
        }

        @Override
        public List<Resource> list(String universe) {
            List<Resource> all = new ArrayList<>(own.list(universe));
            all.addAll(external.list(universe));
            return all;
        }

        @Override
        public boolean alive(Resource database) {
            return of(database).alive(database);
        }
    }
}
