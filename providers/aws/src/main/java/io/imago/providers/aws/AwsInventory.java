package io.imago.providers.aws;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * Everything still tagged with a universe, for the no-leak check ({@link AwsProvider#leftovers}): the Resource Groups
 * Tagging API's answer (every service, including what Imago does not create itself), each resource then confirmed by its
 * own service (the tagging API still lists a terminated instance, or a secret waiting out its deletion), plus the
 * per-service lookups Imago's own destroy relies on, in case the tagging index lags behind a create.
 */
final class AwsInventory {
    private final ClientPool pool;
    private final AwsCalls calls;
    private final AwsSecrets secrets;
    private final TargetGroups targetGroups;
    private final RdsDatabases databases;

    AwsInventory(ClientPool pool, AwsCalls calls, AwsSecrets secrets, TargetGroups targetGroups, RdsDatabases databases) {
        this.pool = pool;
        this.calls = calls;
        this.secrets = secrets;
        this.targetGroups = targetGroups;
        this.databases = databases;
    }

    /** One line per resource that still exists: its ARN or service id, and its state where it has one. */
    List<String> leftovers(String universe) {
        AwsClients c = pool.get();
        TreeSet<String> out = new TreeSet<>();
        Map<String, Map<String, String>> tagged = calls.call("Tagging", "GetResources tagged " + universe,
                () -> c.tagging().resourcesTagged(Tagging.UNIVERSE, universe));
        for (String arn : tagged.keySet()) {
            stillThere(c, arn).ifPresent(out::add);
        }
        Filter mine = Filter.builder().name("tag:" + Tagging.UNIVERSE).values(universe).build();
        calls.call(Ec2Instances.SERVICE, "DescribeInstances tagged " + universe, () -> c.ec2().describeInstancesPaginator(r -> r.filters(mine))
                .reservations().stream().flatMap(r -> r.instances().stream())
                .filter(i -> !List.of("terminated", "shutting-down").contains(i.state().nameAsString()))
                .map(i -> "ec2 instance " + i.instanceId() + " (" + i.state().nameAsString() + ")").toList()).forEach(out::add);
        calls.call(Ec2Instances.SERVICE, "DescribeVolumes tagged " + universe, () -> c.ec2().describeVolumesPaginator(r -> r.filters(mine))
                .volumes().stream().filter(v -> !"deleted".equals(v.stateAsString()))
                .map(v -> "ec2 volume " + v.volumeId() + " (" + v.stateAsString() + ")").toList()).forEach(out::add);
        targetGroups.lookUp(c.elb(), universe).ifPresent(t -> out.add("elbv2 target group " + t.targetGroupName()));
        databases.describe(c.rds(), AwsNames.dbInstance(universe))
                .ifPresent(db -> out.add("rds instance " + db.dbInstanceIdentifier() + " (" + db.dbInstanceStatus() + ")"));
        secrets.tagged(c.secrets(), universe).forEach(s -> out.add("secret " + s));
        return List.copyOf(collapse(out));
    }

    /** The same resource found by the tagging API (by ARN) and by its service (by id) is listed once, by ARN. */
    private static TreeSet<String> collapse(TreeSet<String> lines) {
        TreeSet<String> out = new TreeSet<>();
        for (String line : lines) {
            String id = line.replaceFirst(" \\(.*\\)$", "");
            id = id.substring(id.lastIndexOf(' ') + 1);
            String key = id;
            boolean dup = !line.startsWith("arn:") && lines.stream().anyMatch(l -> l.startsWith("arn:") && l.contains(key));
            if (!dup) {
                out.add(line);
            }
        }
        return out;
    }

    /** The ARN with its state, or empty when its service says it is gone (or going). */
    private Optional<String> stillThere(AwsClients c, String arn) {
        String[] parts = arn.split(":", 7);
        String service = parts.length > 2 ? parts[2] : "";
        String resource = parts.length > 5 ? arn.substring(arn.indexOf(parts[5])) : "";
        return switch (service) {
            case "ec2" -> ec2(c, arn, resource);
            case "secretsmanager" -> calls.call(AwsSecrets.SERVICE, "DescribeSecret " + arn, () -> {
                try {
                    var d = c.secrets().describeSecret(r -> r.secretId(arn));
                    return d.deletedDate() == null ? Optional.of(arn) : Optional.<String>empty();
                } catch (RuntimeException e) {
                    if (AwsCalls.is(e, "ResourceNotFoundException")) {
                        return Optional.<String>empty();
                    }
                    throw e;
                }
            });
            case "rds" -> rds(c, arn, resource);
            case "elasticloadbalancing" -> resource.startsWith("targetgroup/") ? calls.call(TargetGroups.SERVICE, "DescribeTargetGroups " + arn, () -> {
                try {
                    return c.elb().describeTargetGroups(r -> r.targetGroupArns(arn)).targetGroups().isEmpty()
                            ? Optional.<String>empty() : Optional.of(arn);
                } catch (RuntimeException e) {
                    if (AwsCalls.is(e, "TargetGroupNotFound")) {
                        return Optional.<String>empty();
                    }
                    throw e;
                }
            }) : Optional.of(arn);
            default -> Optional.of(arn);
        };
    }

    private Optional<String> ec2(AwsClients c, String arn, String resource) {
        if (resource.startsWith("instance/")) {
            String id = resource.substring("instance/".length());
            return calls.call(Ec2Instances.SERVICE, "DescribeInstances " + id, () -> {
                try {
                    return c.ec2().describeInstances(r -> r.instanceIds(id)).reservations().stream().flatMap(r -> r.instances().stream())
                            .filter(i -> !List.of("terminated", "shutting-down").contains(i.state().nameAsString()))
                            .map(i -> arn + " (" + i.state().nameAsString() + ")").findFirst();
                } catch (RuntimeException e) {
                    if (AwsCalls.is(e, "InvalidInstanceID.NotFound")) {
                        return Optional.<String>empty();
                    }
                    throw e;
                }
            });
        }
        if (resource.startsWith("volume/")) {
            String id = resource.substring("volume/".length());
            return calls.call(Ec2Instances.SERVICE, "DescribeVolumes " + id, () -> {
                try {
                    return c.ec2().describeVolumes(r -> r.volumeIds(id)).volumes().stream()
                            .filter(v -> !"deleted".equals(v.stateAsString())).map(v -> arn + " (" + v.stateAsString() + ")").findFirst();
                } catch (RuntimeException e) {
                    if (AwsCalls.is(e, "InvalidVolume.NotFound")) {
                        return Optional.<String>empty();
                    }
                    throw e;
                }
            });
        }
        return Optional.of(arn);
    }

    private Optional<String> rds(AwsClients c, String arn, String resource) {
        if (resource.startsWith("db:")) {
            return databases.describe(c.rds(), resource.substring(3)).map(db -> arn + " (" + db.dbInstanceStatus() + ")");
        }
        if (resource.startsWith("pg:")) {
            String name = resource.substring(3);
            return calls.call(RdsDatabases.SERVICE, "DescribeDBParameterGroups " + name, () -> {
                try {
                    c.rds().describeDBParameterGroups(r -> r.dbParameterGroupName(name));
                    return Optional.of(arn);
                } catch (RuntimeException e) {
                    if (AwsCalls.is(e, "DBParameterGroupNotFound")) {
                        return Optional.<String>empty();
                    }
                    throw e;
                }
            });
        }
        return Optional.of(arn);
    }
}
