package io.imago.providers.local;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;

/**
 * Universes as real processes that outlive {@code imago}: a PostgreSQL server, the blueprint's
 * {@code run} command per instance, and an embedded reverse proxy per ingress. What it starts is
 * tagged by small JSON files under its folder, so destroy and crash recovery find everything.
 */
public final class LocalProvider implements Provider {
    private final LocalCompute compute;
    private final LocalDatabases databases;
    private final LocalPriceList prices;
    private final LocalIngresses ingresses;

    public LocalProvider(ProviderContext context) {
        Tags tags = new Tags(context.workDir());
        this.compute = new LocalCompute(tags);
        this.databases = new LocalDatabases(tags, context.log(), context.settings());
        this.ingresses = new LocalIngresses(tags);
        this.prices = new LocalPriceList(context.workDir());
    }

    @Override
    public String type() {
        return "local";
    }

    @Override
    public ComputeService compute() {
        return compute;
    }

    @Override
    public DatabaseService database() {
        return databases;
    }

    @Override
    public IngressService ingress() {
        return ingresses;
    }

    /** {@code ${secret:NAME}} comes from the environment variable IMAGO_SECRET_NAME. */
    @Override
    public java.util.Optional<String> secret(String name) {
        return java.util.Optional.ofNullable(System.getenv("IMAGO_SECRET_" + name.toUpperCase().replace('-', '_')));
    }

    @Override
    public PriceList prices() {
        return prices;
    }
}
