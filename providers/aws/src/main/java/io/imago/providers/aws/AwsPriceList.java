package io.imago.providers.aws;

import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.ProviderException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.function.Supplier;

/**
 * AWS prices of one region, for the plan: EC2 On-Demand (Linux), RDS for PostgreSQL Single-AZ, an Application Load
 * Balancer's hour and one LCU, a Route 53 hosted zone, gp3 storage (RDS and EBS) and data transfer. The prices come
 * from {@link AwsPrices}: the bundled catalog, or the Price List API with {@code --pricing live}; they are read on
 * the first question, so a plan that prices nothing on aws reads nothing, and a region without a catalog is an error
 * only for a plan that needs its prices.
 */
final class AwsPriceList implements PriceList {
    private static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);

    private final Supplier<AwsPrices> source;
    private AwsPrices prices;

    AwsPriceList(Supplier<AwsPrices> source) {
        this.source = source;
    }

    private synchronized AwsPrices prices() {
        if (prices == null) {
            prices = source.get();
        }
        return prices;
    }

    @Override
    public BigDecimal hourlyUsd(String kind, String size) {
        return switch (kind) {
            case "instance" -> price(AwsPrices.EC2, Sizes.instanceType(size != null && size.contains(".") ? size : null, size), "EC2 instance type");
            case "database" -> price(AwsPrices.RDS, Sizes.dbClass(size != null && size.startsWith("db.") ? size : null, size), "RDS instance class");
            case "ingress" -> "dns".equals(size)
                    ? required(AwsPrices.ROUTE53_ZONE_MONTH).divide(HOURS_PER_MONTH, 6, RoundingMode.HALF_UP)
                    : required(AwsPrices.ALB_HOUR).add(required(AwsPrices.ALB_LCU_HOUR));
            default -> null; // not a price this list has: the engine says so rather than count it free
        };
    }

    @Override
    public BigDecimal storageUsdPerGbMonth(String kind) {
        return switch (kind) {
            case "database" -> required(AwsPrices.RDS_STORAGE);
            case "volume" -> required(AwsPrices.EBS);
            default -> null;
        };
    }

    @Override
    public Integer instanceDiskGb(String size) {
        return prices().rootVolumeGb();
    }

    /**
     * Within the region, old and new universe are taken to be in different Availability Zones (the dearer case):
     * 0.01 USD per GB out of one and 0.01 into the other. Out to another region, or out of AWS, costs its rate; into
     * AWS from outside is free.
     */
    @Override
    public BigDecimal transferUsdPerGb(boolean outbound, String otherProvider, String otherRegion) {
        boolean sameRegion = "aws".equals(otherProvider) && (otherRegion == null || otherRegion.equals(region()));
        if (sameRegion) {
            return required(AwsPrices.TRANSFER_INTER_AZ);
        }
        if (!outbound) {
            return required(AwsPrices.TRANSFER_INTERNET_IN);
        }
        return required("aws".equals(otherProvider) ? AwsPrices.TRANSFER_INTER_REGION_OUT : AwsPrices.TRANSFER_INTERNET_OUT);
    }

    @Override
    public String region() {
        return prices().region();
    }

    @Override
    public String snapshots() {
        return "RDS's automated backups only (1 day kept, RDS's default): their storage, up to the database's own, is free, so 0 counted;"
                + " no manual snapshot, and a database is deleted without a final snapshot";
    }

    @Override
    public String describe(String kind, String size) {
        return switch (kind) {
            case "ingress" -> "dns".equals(size)
                    ? "a Route 53 record: its hosted zone's " + required(AwsPrices.ROUTE53_ZONE_MONTH).toPlainString()
                            + " USD a month counted; queries not counted (0.40 USD per million: they depend on traffic)"
                    : "an Application Load Balancer, " + required(AwsPrices.ALB_HOUR).toPlainString() + " USD/h, and 1 LCU at "
                            + required(AwsPrices.ALB_LCU_HOUR).toPlainString() + " USD/h (more with traffic)";
            case "volume" -> "the AMI's root volume, taken as " + prices().rootVolumeGb() + " GB of EBS gp3 (the AMI decides its size)";
            case "database" -> "RDS for PostgreSQL, Single-AZ";
            case "instance" -> "EC2 On-Demand, Linux";
            default -> null;
        };
    }

    private BigDecimal required(String key) {
        BigDecimal p = prices().price(key);
        if (p == null) {
            throw new ProviderException("the AWS prices of " + prices().region() + " have no " + key);
        }
        return p;
    }

    private BigDecimal price(String prefix, String type, String what) {
        BigDecimal p = prices().price(prefix + type);
        if (p == null) {
            var known = prices().known(prefix);
            throw new ProviderException("the AWS prices of " + prices().region() + " have no " + what + " " + type
                    + (known.isEmpty() ? "" : " (they have " + String.join(", ", known) + "): pick one of those, or a size"));
        }
        return p;
    }

    @Override
    public String source() {
        return prices().source();
    }
}
