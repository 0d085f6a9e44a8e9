package io.imago.providers.aws;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.ProviderException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * Universes on AWS (blueprint-v1.md, "Cloud providers", aws): EC2 instances ({@link Ec2Instances}), RDS for PostgreSQL
 * ({@link RdsDatabases}), an Application Load Balancer or a Route 53 record as the ingress ({@link AwsIngresses}),
 * Secrets Manager for passwords and {@code ${secret:NAME}} ({@link AwsSecrets}), prices from a bundled catalog
 * or the Price List API ({@link AwsPriceList}). Everything it creates is tagged {@code imago:universe} (the load balancer, which outlives
 * universes, {@code imago:ingress}); {@link #leftovers} lists what is still tagged.
 */
public final class AwsProvider implements Provider {
    private final ClientPool pool;
    private final AwsSecrets secrets;
    private final Ec2Instances compute;
    private final RdsDatabases databases;
    private final AwsIngresses ingresses;
    private final AwsInventory inventory;
    private final Consumer<String> log;
    private final AwsPriceList prices;

    public AwsProvider(ProviderContext context) {
        this(context, AwsClients.defaultHttpClient(), true, new AwsCalls(), new JdbcRoles());
    }

    /**
     * @param http every client's HTTP client; closed with the provider when {@code ownsHttp}
     * @param roles prepares a new database's roles (tests replace it: the emulator runs no database server)
     */
    AwsProvider(ProviderContext context, SdkHttpClient http, boolean ownsHttp, AwsCalls calls, DatabaseRoles roles) {
        AwsSettings settings = AwsSettings.of(context.settings());
        this.log = context.log();
        this.pool = new ClientPool(settings, http, ownsHttp);
        this.secrets = new AwsSecrets(calls);
        AwsNetwork network = new AwsNetwork(settings, pool.get(), calls);
        TargetGroups targetGroups = new TargetGroups(calls, log);
        this.compute = new Ec2Instances(pool, calls, network, targetGroups, secrets);
        this.databases = new RdsDatabases(pool, calls, settings, secrets, roles, log);
        this.ingresses = new AwsIngresses(new LoadBalancerIngress(pool, calls, network, targetGroups, log), new DnsIngress(pool, calls, log));
        this.inventory = new AwsInventory(pool, calls, secrets, targetGroups, databases);
        boolean live = "live".equals(context.settings().get(ProviderContext.PRICING));
        this.prices = new AwsPriceList(() -> {
            String region = pricingRegion();
            if (!live) {
                return AwsPriceCatalog.load(region);
            }
            AwsPriceCatalog catalog = AwsPriceCatalog.REGIONS.contains(region) ? AwsPriceCatalog.load(region) : null;
            return new AwsLivePrices(region, catalog, pool.get().pricing(region), calls,
                    new PriceCache(context.workDir().resolve("pricing"), region, java.time.Clock.systemUTC()));
        });
    }

    /**
     * The region priced: the blueprint's {@code provider.region}, else {@code AWS_REGION} or the profile's, as the
     * clients resolve it; else us-east-1 (a plan needs no region set up, nor credentials, to be priced).
     */
    private String pricingRegion() {
        try {
            return pool.get().region().id();
        } catch (ProviderException e) {
            return "us-east-1";
        }
    }

    @Override
    public String type() {
        return "aws";
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

    @Override
    public PriceList prices() {
        return prices;
    }

    /**
     * {@code ${secret:NAME}}: the Secrets Manager secret {@code NAME}, else the environment variable
     * {@code IMAGO_SECRET_NAME} (upper case, '-' as '_'). When Secrets Manager cannot be asked (no permission, no
     * credentials) and the variable is set, the variable is used and the reason logged.
     */
    @Override
    public Optional<String> secret(String name) {
        String env = System.getenv("IMAGO_SECRET_" + name.toUpperCase().replace('-', '_'));
        try {
            Optional<String> stored = secrets.read(pool.get().secrets(), name);
            if (stored.isPresent()) {
                return stored;
            }
        } catch (ProviderException | software.amazon.awssdk.core.exception.SdkException e) {
            if (env == null) {
                throw e;
            }
            log.accept("secret " + name + ": Secrets Manager could not be read (" + e.getMessage() + "); using IMAGO_SECRET_"
                    + name.toUpperCase().replace('-', '_'));
        }
        return Optional.ofNullable(env);
    }

    /** What still carries the universe's tag (and exists): empty after a complete destroy. */
    public List<String> leftovers(String universe) {
        return inventory.leftovers(universe);
    }

    @Override
    public void close() {
        pool.close();
    }
}
