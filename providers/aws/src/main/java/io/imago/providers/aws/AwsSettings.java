package io.imago.providers.aws;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The blueprint's {@code provider:} fields for aws (blueprint-v1.md), as the blueprint reader flattened them into
 * {@code ProviderContext.settings()}: {@code region}, {@code profile}, {@code network.vpc}, {@code network.subnets},
 * {@code network.securityGroups} (lists joined by commas) and {@code instanceProfile}. Every one is optional.
 *
 * @param region null: {@code AWS_REGION} (or {@code aws.region}), else the profile's
 * @param profile null: the SDK's default ({@code AWS_PROFILE}, else {@code default})
 * @param vpc null: the VPC of the subnets, else the default VPC
 * @param subnets empty: the VPC's subnets (the default subnets of the default VPC)
 * @param securityGroups empty: the VPC's default security group
 * @param instanceProfile the IAM instance profile (name or ARN) instances run with; needed when an instance has
 *     secret-valued variables, which it reads from Secrets Manager with that profile's role; null: none
 */
record AwsSettings(String region, String profile, String vpc, List<String> subnets, List<String> securityGroups,
                   String instanceProfile) {

    static AwsSettings of(Map<String, String> settings) {
        return new AwsSettings(blankToNull(settings.get("region")), blankToNull(settings.get("profile")),
                blankToNull(settings.get("network.vpc")), list(settings.get("network.subnets")),
                list(settings.get("network.securityGroups")), blankToNull(settings.get("instanceProfile")));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static List<String> list(String joined) {
        if (joined == null || joined.isBlank()) {
            return List.of();
        }
        return Arrays.stream(joined.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
