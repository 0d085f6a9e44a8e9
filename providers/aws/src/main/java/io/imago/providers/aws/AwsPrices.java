package io.imago.providers.aws;

import java.math.BigDecimal;
import java.util.SortedSet;

/**
 * The AWS unit prices of one region, by key: {@code ec2:<instance type>}, {@code rds:<instance class>} (USD per hour),
 * {@code rds-storage:gp3}, {@code ebs:gp3} (USD per GB-month), {@code alb:hour}, {@code alb:lcu-hour},
 * {@code route53:zone-month}, {@code route53:million-queries}, {@code s3:standard-gb-month}, and per GB moved
 * {@code transfer:inter-az} (each direction), {@code transfer:inter-region-out}, {@code transfer:internet-out},
 * {@code transfer:internet-in}. From the bundled catalog ({@link AwsPriceCatalog}) or the Price List API
 * ({@link AwsLivePrices}).
 */
interface AwsPrices {
    String EC2 = "ec2:";
    String RDS = "rds:";
    String RDS_STORAGE = "rds-storage:gp3";
    String EBS = "ebs:gp3";
    String ALB_HOUR = "alb:hour";
    String ALB_LCU_HOUR = "alb:lcu-hour";
    String ROUTE53_ZONE_MONTH = "route53:zone-month";
    String TRANSFER_INTER_AZ = "transfer:inter-az";
    String TRANSFER_INTER_REGION_OUT = "transfer:inter-region-out";
    String TRANSFER_INTERNET_OUT = "transfer:internet-out";
    String TRANSFER_INTERNET_IN = "transfer:internet-in";

    String region();

    /**
     * @return the price, or null when there is none for that key
     * @throws io.imago.providers.spi.PricesUnavailableException when it had to be fetched and could not be
     */
    BigDecimal price(String key);

    /** The keys starting with {@code prefix} it knows without fetching, for messages (empty when it fetches them). */
    SortedSet<String> known(String prefix);

    /** The GB an instance's root volume is taken as (the AMI's own; see the catalog's README). */
    int rootVolumeGb();

    String source();
}
