package io.imago.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bundled, dated price catalog of one region ({@code imago/prices/aws-<region>.json}, see the README beside it):
 * read from the class path, so planning with it needs no network and no credentials.
 */
final class AwsPriceCatalog implements AwsPrices {
    /** The regions with a bundled catalog. */
    static final List<String> REGIONS = List.of("eu-west-1", "us-east-1");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String region;
    private final String location;
    private final String asOf;
    private final String source;
    private final int rootVolumeGb;
    private final TreeMap<String, BigDecimal> prices;

    private AwsPriceCatalog(String region, String location, String asOf, String source, int rootVolumeGb, TreeMap<String, BigDecimal> prices) {
        this.region = region;
        this.location = location;
        this.asOf = asOf;
        this.source = source;
        this.rootVolumeGb = rootVolumeGb;
        this.prices = prices;
    }

    /** @throws ProviderException naming the region and the regions that have a catalog, when it has none */
    static AwsPriceCatalog load(String region) {
        if (!REGIONS.contains(region)) {
            throw new ProviderException("no bundled AWS price catalog for region " + region + " (there is one for "
                    + String.join(", ", REGIONS) + "): plan in one of those, or fetch the prices with --pricing live");
        }
        String path = "imago/prices/aws-" + region + ".json";
        try (InputStream in = AwsPriceCatalog.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the build");
            }
            return parse(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    static AwsPriceCatalog parse(JsonNode j) {
        TreeMap<String, BigDecimal> p = new TreeMap<>();
        j.get("ec2HourlyLinux").fields().forEachRemaining(e -> p.put(EC2 + e.getKey(), new BigDecimal(e.getValue().asText())));
        j.get("rdsHourlyPostgresSingleAz").fields().forEachRemaining(e -> p.put(RDS + e.getKey(), new BigDecimal(e.getValue().asText())));
        Map<String, String> flat = Map.of(RDS_STORAGE, "rdsStorageGp3GbMonth", EBS, "ebsGp3GbMonth", ALB_HOUR, "albHourly",
                ALB_LCU_HOUR, "albLcuHourly", ROUTE53_ZONE_MONTH, "route53HostedZoneMonthly", "route53:million-queries",
                "route53MillionQueries", "s3:standard-gb-month", "s3StandardGbMonth");
        flat.forEach((key, field) -> p.put(key, new BigDecimal(j.get(field).asText())));
        JsonNode t = j.get("transferGb");
        p.put(TRANSFER_INTER_AZ, new BigDecimal(t.get("interAzEachDirection").asText()));
        p.put(TRANSFER_INTER_REGION_OUT, new BigDecimal(t.get("interRegionOut").asText()));
        p.put(TRANSFER_INTERNET_OUT, new BigDecimal(t.get("internetOut").asText()));
        p.put(TRANSFER_INTERNET_IN, new BigDecimal(t.get("internetIn").asText()));
        return new AwsPriceCatalog(j.get("region").asText(), j.get("location").asText(), j.get("asOf").asText(), j.get("source").asText(),
                j.get("instanceRootVolumeGb").asInt(), p);
    }

    @Override
    public String region() {
        return region;
    }

    /** The region's name in the Price List API's {@code location} attribute ("US East (N. Virginia)"). */
    String location() {
        return location;
    }

    String asOf() {
        return asOf;
    }

    @Override
    public BigDecimal price(String key) {
        return prices.get(key);
    }

    @Override
    public SortedSet<String> known(String prefix) {
        TreeSet<String> out = new TreeSet<>();
        prices.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(k -> out.add(k.substring(prefix.length())));
        return out;
    }

    @Override
    public int rootVolumeGb() {
        return rootVolumeGb;
    }

    @Override
    public String source() {
        return "bundled catalog aws-" + region + ".json, on-demand prices as of " + asOf + ": " + source;
    }
}
