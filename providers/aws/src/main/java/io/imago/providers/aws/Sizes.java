package io.imago.providers.aws;

import io.imago.providers.spi.ProviderException;
import java.util.Map;

/**
 * The blueprint's portable sizes on AWS (README, "aws provider"); an explicit {@code instanceType} or
 * {@code instanceClass} wins.
 *
 * <pre>
 * size    EC2 instance type   RDS instance class
 * xs      t3.micro            db.t3.micro
 * small   t3.small            db.t3.small
 * medium  t3.medium           db.t3.medium
 * large   t3.large            db.m6g.large
 * </pre>
 */
final class Sizes {
    static final Map<String, String> INSTANCE_TYPES = Map.of(
            "xs", "t3.micro", "small", "t3.small", "medium", "t3.medium", "large", "t3.large");
    static final Map<String, String> DB_CLASSES = Map.of(
            "xs", "db.t3.micro", "small", "db.t3.small", "medium", "db.t3.medium", "large", "db.m6g.large");

    private Sizes() {}

    static String instanceType(String explicit, String size) {
        return pick(explicit, size, INSTANCE_TYPES, "instanceType");
    }

    static String dbClass(String explicit, String size) {
        return pick(explicit, size, DB_CLASSES, "instanceClass");
    }

    private static String pick(String explicit, String size, Map<String, String> table, String field) {
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        String s = size == null ? "small" : size;
        String mapped = table.get(s);
        if (mapped == null) {
            throw new ProviderException("size '" + s + "' has no AWS equivalent: use xs, small, medium or large, or give " + field);
        }
        return mapped;
    }
}
