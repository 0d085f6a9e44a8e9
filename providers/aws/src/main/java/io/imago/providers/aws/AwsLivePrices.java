package io.imago.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.spi.PricesUnavailableException;
import io.imago.providers.spi.ProviderException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import software.amazon.awssdk.services.pricing.PricingClient;
import software.amazon.awssdk.services.pricing.model.Filter;
import software.amazon.awssdk.services.pricing.model.FilterType;
import software.amazon.awssdk.services.pricing.model.GetProductsResponse;

/**
 * {@code --pricing live}: current on-demand prices from the AWS Price List API ({@code GetProducts} on AmazonEC2,
 * AmazonRDS and AWSELB), each asked once and kept in a {@link PriceCache} for a day. Calls go through {@link AwsCalls}
 * (throttling and 5xx retried, the service's breaker). What it does not ask the API (Route 53, S3, data transfer)
 * comes from the region's bundled catalog, which the source says. A price that cannot be fetched fails the plan,
 * suggesting {@code --pricing catalog}: it never falls back silently.
 */
final class AwsLivePrices implements AwsPrices {
    static final String SERVICE = "Price List";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAGES = 20;

    private final String region;
    private final AwsPriceCatalog catalog;
    private final PricingClient client;
    private final AwsCalls calls;
    private final PriceCache cache;
    private PriceCache.Entry entry;

    /**
     * @param catalog the region's bundled catalog (its location name and what the API is not asked), or null when the
     *     region has none
     */
    AwsLivePrices(String region, AwsPriceCatalog catalog, PricingClient client, AwsCalls calls, PriceCache cache) {
        this.region = region;
        this.catalog = catalog;
        this.client = client;
        this.calls = calls;
        this.cache = cache;
    }

    @Override
    public String region() {
        return region;
    }

    @Override
    public synchronized BigDecimal price(String key) {
        if (entry == null) {
            entry = cache.fresh().orElseGet(cache::start);
        }
        String kept = entry.prices().get(key);
        if (kept != null) {
            return new BigDecimal(kept);
        }
        Map<String, BigDecimal> fetched = fetch(key);
        if (fetched == null) {
            if (catalog == null) {
                throw new ProviderException("the AWS Price List API is not asked for " + key + ", and there is no bundled catalog for "
                        + region + " to take it from (there is one for " + String.join(", ", AwsPriceCatalog.REGIONS) + ")");
            }
            return catalog.price(key);
        }
        fetched.forEach((k, v) -> entry.prices().put(k, v.toPlainString()));
        cache.save(entry);
        return fetched.get(key);
    }

    /** The prices one question to the API gives, the asked one among them (absent when it has none); null: not asked there. */
    private Map<String, BigDecimal> fetch(String key) {
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        if (key.startsWith(EC2)) {
            String type = key.substring(EC2.length());
            one(out, key, "Hrs", products("AmazonEC2", "EC2 " + type, "instanceType", type, "operatingSystem", "Linux", "tenancy", "Shared",
                    "preInstalledSw", "NA", "capacitystatus", "Used"));
        } else if (key.startsWith(RDS)) {
            String cls = key.substring(RDS.length());
            one(out, key, "Hrs", products("AmazonRDS", "RDS " + cls, "instanceType", cls, "databaseEngine", "PostgreSQL",
                    "deploymentOption", "Single-AZ", "productFamily", "Database Instance"));
        } else if (key.equals(RDS_STORAGE)) {
            one(out, key, "GB-Mo", products("AmazonRDS", "RDS gp3 storage", "productFamily", "Database Storage",
                    "volumeType", "General Purpose-GP3", "databaseEngine", "PostgreSQL", "deploymentOption", "Single-AZ"));
        } else if (key.equals(EBS)) {
            one(out, key, "GB-Mo", products("AmazonEC2", "EBS gp3", "productFamily", "Storage", "volumeApiName", "gp3"));
        } else if (key.equals(ALB_HOUR) || key.equals(ALB_LCU_HOUR)) {
            List<JsonNode> albs = products("AWSELB", "Application Load Balancer", "productFamily", "Load Balancer-Application");
            one(out, ALB_HOUR, "Hrs", albs.stream().filter(p -> usageType(p).endsWith("LoadBalancerUsage")).toList());
            one(out, ALB_LCU_HOUR, "LCU-Hrs", albs.stream().filter(p -> usageType(p).endsWith("LCUUsage")).toList());
        } else {
            return null;
        }
        return out;
    }

    private static String usageType(JsonNode product) {
        return product.path("product").path("attributes").path("usagetype").asText("");
    }

    /** Puts the one on-demand USD price in {@code unit} that the products agree on; ambiguous prices are an error. */
    private void one(Map<String, BigDecimal> out, String key, String unit, List<JsonNode> products) {
        TreeSet<BigDecimal> found = new TreeSet<>();
        for (JsonNode p : products) {
            p.path("terms").path("OnDemand").forEach(term -> term.path("priceDimensions").forEach(d -> {
                if (unit.equals(d.path("unit").asText()) && d.path("pricePerUnit").has("USD")) {
                    found.add(new BigDecimal(d.path("pricePerUnit").path("USD").asText()).stripTrailingZeros());
                }
            }));
        }
        if (found.size() > 1) {
            throw new ProviderException("the AWS Price List API gives " + found.size() + " on-demand prices for " + key + " in " + region
                    + " (" + found + " USD per " + unit + "), so imago cannot tell which applies: use --pricing catalog");
        }
        if (!found.isEmpty()) {
            out.put(key, found.first().compareTo(BigDecimal.ZERO) == 0 ? BigDecimal.ZERO : found.first());
        }
    }

    /** Every product of the service that matches the filters (and the region), each PriceList entry parsed. */
    private List<JsonNode> products(String service, String what, String... fieldValues) {
        List<Filter> filters = new ArrayList<>();
        if (catalog != null) {
            filters.add(term("location", catalog.location()));
        } else {
            filters.add(term("regionCode", region));
        }
        for (int i = 0; i < fieldValues.length; i += 2) {
            filters.add(term(fieldValues[i], fieldValues[i + 1]));
        }
        List<JsonNode> out = new ArrayList<>();
        String token = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String next = token;
            GetProductsResponse res;
            try {
                res = calls.call(SERVICE, "GetProducts " + service + " for " + what + " in " + region, () -> client.getProducts(r -> r
                        .serviceCode(service).formatVersion("aws_v1").filters(filters).maxResults(100).nextToken(next)));
            } catch (RuntimeException e) {
                throw new PricesUnavailableException("the AWS prices could not be fetched: " + e.getMessage()
                        + "; plan with --pricing catalog to use the bundled prices instead", e);
            }
            for (String item : res.priceList()) {
                try {
                    out.add(JSON.readTree(item));
                } catch (IOException e) {
                    throw new UncheckedIOException("the AWS Price List API answered a PriceList entry that is not JSON", e);
                }
            }
            token = res.nextToken();
            if (token == null || token.isEmpty()) {
                break;
            }
        }
        return out;
    }

    private static Filter term(String field, String value) {
        return Filter.builder().type(FilterType.TERM_MATCH).field(field).value(value).build();
    }

    @Override
    public SortedSet<String> known(String prefix) {
        return new TreeSet<>(); // the API is asked for one type at a time: there is no list to offer
    }

    @Override
    public int rootVolumeGb() {
        return catalog != null ? catalog.rootVolumeGb() : 8;
    }

    @Override
    public synchronized String source() {
        String when = entry == null ? "not asked yet" : "fetched " + entry.fetchedAt().truncatedTo(java.time.temporal.ChronoUnit.MINUTES)
                + ", kept in " + entry.file() + " for 24 h";
        return "AWS Price List API (GetProducts, on-demand), " + region + ", " + when + "; Route 53, S3 and data transfer from "
                + (catalog != null ? "the bundled catalog as of " + catalog.asOf() : "nowhere: no bundled catalog for " + region);
    }
}
