package io.imago.providers.aws;

import io.imago.providers.spi.ProviderException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.DescribeSubnetsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeVpcsRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;

/**
 * Where the provider places what it rents (blueprint-v1.md {@code provider.network}): the VPC given, else the VPC of
 * the subnets given, else the account's default VPC; the subnets given, else the VPC's (the default VPC's default
 * subnets); the security groups given, else none (EC2, RDS and the load balancer then use the VPC's default group).
 * Looked up once per provider.
 */
final class AwsNetwork {
    private static final String EC2 = "EC2";
    private final AwsSettings settings;
    private final AwsClients clients;
    private final AwsCalls calls;
    private String vpc;
    private List<Subnet> subnets;

    AwsNetwork(AwsSettings settings, AwsClients clients, AwsCalls calls) {
        this.settings = settings;
        this.clients = clients;
        this.calls = calls;
    }

    synchronized String vpc() {
        if (vpc == null) {
            vpc = resolveVpc();
        }
        return vpc;
    }

    private String resolveVpc() {
        if (settings.vpc() != null) {
            return settings.vpc();
        }
        if (!settings.subnets().isEmpty()) {
            return subnets().get(0).vpcId();
        }
        List<Vpc> vpcs = calls.call(EC2, "DescribeVpcs (the default VPC)", () -> clients.ec2().describeVpcs(DescribeVpcsRequest.builder()
                .filters(Filter.builder().name("is-default").values("true").build()).build()).vpcs());
        if (vpcs.isEmpty()) {
            throw new ProviderException("this account has no default VPC in " + clients.region()
                    + ": name one in the blueprint (provider.network.vpc and subnets)");
        }
        return vpcs.get(0).vpcId();
    }

    /** The subnets, ordered by availability zone then id, so instance {@code i} always lands in the same one. */
    synchronized List<Subnet> subnets() {
        if (subnets == null) {
            subnets = resolveSubnets();
        }
        return subnets;
    }

    private List<Subnet> resolveSubnets() {
        DescribeSubnetsRequest.Builder req = DescribeSubnetsRequest.builder();
        if (!settings.subnets().isEmpty()) {
            req.subnetIds(settings.subnets());
        } else if (settings.vpc() != null) {
            req.filters(Filter.builder().name("vpc-id").values(settings.vpc()).build());
        } else {
            req.filters(Filter.builder().name("vpc-id").values(vpc()).build(),
                    Filter.builder().name("default-for-az").values("true").build());
        }
        List<Subnet> found = new ArrayList<>(calls.call(EC2, "DescribeSubnets", () -> clients.ec2().describeSubnets(req.build()).subnets()));
        if (found.isEmpty()) {
            throw new ProviderException("no subnet found " + (settings.subnets().isEmpty() ? "in VPC " + vpc() : "among " + settings.subnets())
                    + ": name subnets in the blueprint (provider.network.subnets)");
        }
        found.sort(Comparator.comparing(Subnet::availabilityZone).thenComparing(Subnet::subnetId));
        return List.copyOf(found);
    }

    /** The subnet of a group's {@code index}-th instance: round robin over the subnets, so a group spans the zones. */
    String subnetFor(int index) {
        List<Subnet> all = subnets();
        return all.get(Math.floorMod(index, all.size())).subnetId();
    }

    /** One subnet per availability zone (an Application Load Balancer takes at most one per zone, and needs two zones). */
    List<String> subnetPerZone() {
        Map<String, String> byZone = new LinkedHashMap<>();
        subnets().forEach(s -> byZone.putIfAbsent(s.availabilityZone(), s.subnetId()));
        return List.copyOf(byZone.values());
    }

    List<String> securityGroups() {
        return settings.securityGroups();
    }

    /** The instance profile instances run with, or null. */
    String instanceProfile() {
        return settings.instanceProfile();
    }
}
