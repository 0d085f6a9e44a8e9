package io.imago.blueprints;

import java.util.List;

/**
 * The field names and closed value sets of blueprint v1, in one table: unknown-field checks and
 * did-you-mean hints read them, and the order here is the order hints list them in.
 */
final class KnownFields {
    private KnownFields() {}

    static final List<String> ROOT = List.of("imago", "universe", "replaces", "provider", "ingress", "compute",
            "database", "migration", "validate", "switchover", "teardown", "budget");

    static final List<String> INGRESS_SETTINGS =
            List.of("loadBalancerName", "listenerPort", "hostedZone", "record", "ttl");
    static final List<String> INGRESS = concat(List.of("name", "type", "port"), INGRESS_SETTINGS);
    static final List<String> COMPUTE =
            List.of("name", "count", "size", "instanceType", "run", "image", "port", "env", "health");
    static final List<String> HEALTH = List.of("path", "timeout");
    static final List<String> DATABASE =
            List.of("engine", "version", "size", "instanceClass", "storageGb", "schema", "seed");
    static final List<String> MIGRATION = List.of("tables", "snapshot", "logShipping", "transforms");
    static final List<String> SNAPSHOT = List.of("parallelism");
    static final List<String> LOG_SHIPPING = List.of("maxLag");
    static final List<String> TRANSFORM = List.of("table", "renameTo", "renameColumns", "addColumns", "dropColumns",
            "where", "skip", "class", "replicaIdentity");
    static final List<String> CHECK_KINDS = List.of("rowCounts", "checksums", "http", "compare", "command");
    static final List<String> HTTP_CHECK = List.of("path", "expect");
    static final List<String> COMPARE_CHECK = List.of("path", "ignore");
    static final List<String> SWITCHOVER = List.of("maxWritePause", "drainTimeout");
    static final List<String> TEARDOWN = List.of("keepOld");
    static final List<String> BUDGET = List.of("maxUsd");

    /** blueprint-v1.md, Cloud providers, aws. */
    static final List<String> AWS_PROVIDER = List.of("type", "region", "profile", "network", "instanceProfile");
    static final List<String> AWS_NETWORK = List.of("vpc", "subnets", "securityGroups");

    static final List<String> PROVIDER_TYPES = List.of("local", "aws", "jclouds");
    static final List<String> INGRESS_TYPES = List.of("loadBalancer", "dns");
    static final List<String> SIZES = List.of("xs", "small", "medium", "large");
    static final List<String> ENGINES = List.of("postgres");
    static final List<String> REPLICA_IDENTITIES = List.of("full", "default");

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
