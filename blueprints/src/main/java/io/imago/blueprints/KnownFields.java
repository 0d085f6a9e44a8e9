package io.imago.blueprints;

import java.util.List;

/**
 * The field names and closed value sets the readers check, taken from {@link BlueprintFormat} (the one description
 * of blueprint v1, which the JSON Schema is generated from too): unknown-field checks and did-you-mean hints read
 * them, and the order is the order hints list them in.
 */
final class KnownFields {
    private KnownFields() {}

    static final List<String> ROOT = BlueprintFormat.ROOT.names();

    static final List<String> INGRESS = BlueprintFormat.INGRESS.names();
    static final List<String> COMPUTE = BlueprintFormat.COMPUTE.names();
    static final List<String> HEALTH = BlueprintFormat.HEALTH.names();
    static final List<String> DATABASE = BlueprintFormat.DATABASE.names();
    static final List<String> EXTERNAL_DATABASE = BlueprintFormat.EXTERNAL_DATABASE.names();
    /** What a rented server is sized by: meaningless for an external one. */
    static final List<String> DATABASE_RENTAL = List.of("size", "instanceClass", "storageGb");
    static final List<String> MIGRATION = BlueprintFormat.MIGRATION.names();
    static final List<String> SNAPSHOT = BlueprintFormat.SNAPSHOT.names();
    static final List<String> LOG_SHIPPING = BlueprintFormat.LOG_SHIPPING.names();
    static final List<String> TRANSFORM = BlueprintFormat.TRANSFORM.names();
    static final List<String> CHECK_KINDS = BlueprintFormat.CHECK.names();
    static final List<String> HTTP_CHECK = BlueprintFormat.HTTP_CHECK.names();
    static final List<String> COMPARE_CHECK = BlueprintFormat.COMPARE_CHECK.names();
    static final List<String> SHADOW_CHECK = BlueprintFormat.SHADOW_CHECK.names();
    static final List<String> SWITCHOVER = BlueprintFormat.SWITCHOVER.names();
    static final List<String> TEARDOWN = BlueprintFormat.TEARDOWN.names();
    static final List<String> BUDGET = BlueprintFormat.BUDGET.names();

    static final List<String> PROVIDER_TYPES = BlueprintFormat.PROVIDER_TYPES.values();
    static final List<String> INGRESS_TYPES = BlueprintFormat.INGRESS_TYPES.values();
    static final List<String> SIZES = BlueprintFormat.SIZES.values();
    static final List<String> ENGINES = BlueprintFormat.ENGINES.values();
    static final List<String> REPLICA_IDENTITIES = BlueprintFormat.REPLICA_IDENTITIES.values();

    /** The provider fields the aws provider takes, and no other (blueprint-v1.md, Cloud providers, aws). */
    static final List<String> AWS_PROVIDER = BlueprintFormat.PROVIDER.names("aws");
    static final List<String> AWS_NETWORK = BlueprintFormat.NETWORK.names();
}
