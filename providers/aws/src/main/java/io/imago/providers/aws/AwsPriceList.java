package io.imago.providers.aws;

import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.ProviderException;
import java.math.BigDecimal;
import java.util.Map;

/**
 * A static table of AWS on-demand prices, not fetched: the AWS Price List API is not reachable from every network
 * Imago runs in (nor emulated by moto), and a plan must not depend on it. US East (N. Virginia), Linux, in USD per
 * hour, from AWS's public price pages (EC2 On-Demand, RDS for PostgreSQL Single-AZ, Elastic Load Balancing) as of
 * 2025-01. What is not in it: EBS and RDS storage (about 0.08 to 0.115 USD per GB-month), load balancer capacity units
 * (0.008 USD per LCU-hour), data transfer, Route 53 queries, Secrets Manager (0.40 USD per secret-month). Other regions
 * cost more or less; check aws.amazon.com/pricing before relying on an estimate.
 */
final class AwsPriceList implements PriceList {
    static final String AS_OF = "2025-01";

    /** EC2 On-Demand, Linux, us-east-1. */
    static final Map<String, String> EC2 = Map.ofEntries(
            Map.entry("t3.nano", "0.0052"), Map.entry("t3.micro", "0.0104"), Map.entry("t3.small", "0.0208"),
            Map.entry("t3.medium", "0.0416"), Map.entry("t3.large", "0.0832"), Map.entry("t3.xlarge", "0.1664"),
            Map.entry("t3.2xlarge", "0.3328"), Map.entry("m5.large", "0.096"), Map.entry("m6i.large", "0.096"),
            Map.entry("m6i.xlarge", "0.192"), Map.entry("c6i.large", "0.085"));

    /** RDS for PostgreSQL, Single-AZ, us-east-1. */
    static final Map<String, String> RDS = Map.ofEntries(
            Map.entry("db.t3.micro", "0.018"), Map.entry("db.t3.small", "0.036"), Map.entry("db.t3.medium", "0.072"),
            Map.entry("db.t3.large", "0.145"), Map.entry("db.m6g.large", "0.159"), Map.entry("db.m6g.xlarge", "0.318"),
            Map.entry("db.m5.large", "0.178"));

    /** An Application Load Balancer's hourly charge, without its capacity units. */
    static final String ALB = "0.0225";

    @Override
    public BigDecimal hourlyUsd(String kind, String size) {
        return switch (kind) {
            case "instance" -> price(EC2, Sizes.instanceType(size != null && size.contains(".") ? size : null, size), "EC2 instance type");
            case "database" -> price(RDS, Sizes.dbClass(size != null && size.startsWith("db.") ? size : null, size), "RDS instance class");
            case "ingress" -> new BigDecimal(ALB);
            default -> null; // not a price this table has: the engine says so rather than count it free
        };
    }

    private static BigDecimal price(Map<String, String> table, String type, String what) {
        String p = table.get(type);
        if (p == null) {
            throw new ProviderException("the aws provider's price table has no " + what + " " + type + " (it has "
                    + String.join(", ", new java.util.TreeSet<>(table.keySet())) + "): pick one of those, or a size");
        }
        return new BigDecimal(p);
    }

    @Override
    public String source() {
        return "static table of AWS on-demand prices, us-east-1, as of " + AS_OF
                + " (aws.amazon.com/ec2/pricing/on-demand, /rds/postgresql/pricing, /elasticloadbalancing/pricing); not fetched;"
                + " storage, LCUs and data transfer not counted; a dns ingress counted as an ALB";
    }
}
