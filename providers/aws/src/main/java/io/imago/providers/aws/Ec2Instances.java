package io.imago.providers.aws;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.InstanceStatus;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SummaryStatus;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;

/**
 * Instances are EC2 instances started from the blueprint's {@code image} by {@link UserData}, one per
 * {@link InstanceRequest#name()}, tagged {@code imago:universe}, {@code imago:instance} and {@code Name}, and
 * registered ({@code privateIp:port}) in their universe's target group ({@link TargetGroups}).
 *
 * <ul>
 *   <li>create: the instance tagged with the name if one is alive (a re-run, or a run killed after RunInstances),
 *       else RunInstances with a client token derived from the name, so a retried call (ours or the SDK's) never starts
 *       a second machine; a token whose instance has been terminated since (the universe was destroyed and is being
 *       created again) is followed by the next one.</li>
 *   <li>healthy: from the API only, never a connection to the instance: DescribeTargetHealth says {@code healthy}; a
 *       group no load balancer uses (a dns ingress) reports {@code unused}, and then the instance's EC2 status checks
 *       decide.</li>
 *   <li>endpoint: private IP and the group's port. destroy: deregistered, terminated, its env secret deleted, and the
 *       universe's target group once no instance of it is left. alive: not terminated (nor shutting down).</li>
 * </ul>
 */
final class Ec2Instances implements ComputeService {
    static final String KIND = "instance";
    static final String SERVICE = "EC2";
    private static final List<String> LIVE_STATES = List.of("pending", "running", "stopping", "stopped");
    private static final int MAX_TOKEN_GENERATIONS = 10;

    private final ClientPool pool;
    private final AwsCalls calls;
    private final AwsNetwork network;
    private final TargetGroups targetGroups;
    private final AwsSecrets secrets;
    /** The engine asks alive() of every instance it waits for, every 200 ms: one DescribeInstances a second each is plenty. */
    private final Map<String, Seen> states = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long STATE_MEMO_NANOS = java.time.Duration.ofSeconds(1).toNanos();

    private record Seen(long at, boolean alive) {}

    Ec2Instances(ClientPool pool, AwsCalls calls, AwsNetwork network, TargetGroups targetGroups, AwsSecrets secrets) {
        this.pool = pool;
        this.calls = calls;
        this.network = network;
        this.targetGroups = targetGroups;
        this.secrets = secrets;
    }

    @Override
    public Resource create(InstanceRequest req) {
        if (req.image() == null || req.image().isBlank()) {
            throw new ProviderException("compute '" + req.group() + "' has no image, which the aws provider starts instances from");
        }
        if (req.port() == null) {
            throw new ProviderException("compute '" + req.group() + "' has no port, which the aws provider registers its instances on");
        }
        AwsClients c = pool.get();
        int port = req.port();
        String secretId = null;
        if (!req.secretEnv().isEmpty()) {
            if (network.instanceProfile() == null) {
                throw new ProviderException("compute '" + req.group() + "' has secret values in env (" + String.join(", ", req.secretEnv())
                        + "), which its instances read from Secrets Manager at boot: set provider.instanceProfile to an instance profile"
                        + " allowed secretsmanager:GetSecretValue on imago/" + req.universe() + "/env/*");
            }
            // Stored before the instance exists: it reads the secret the moment it boots.
            secretId = AwsNames.envSecret(req.universe(), req.name());
            secrets.put(c.secrets(), secretId, UserData.secretFile(req), Tagging.universe(req.universe(), Tagging.INSTANCE, req.name()));
        }
        String tg = targetGroups.ensure(c.elb(), req.universe(), network.vpc(), port, req.healthPath());
        Instance instance = find(c.ec2(), req.universe(), req.name()).orElse(null);
        if (instance == null) {
            instance = launch(c.ec2(), req, port, UserData.base64(UserData.script(req, port, secretId, c.region().id())));
        }
        Resource r = resource(c, instance, req.universe(), req.group(), port, tg);
        // Also after a run killed between RunInstances and this call: registering twice changes nothing.
        targetGroups.register(c.elb(), tg, endpoint(r));
        return r;
    }

    private Instance launch(Ec2Client ec2, InstanceRequest req, int port, String userData) {
        String type = Sizes.instanceType(req.instanceType(), req.size());
        Map<String, String> tags = Tagging.universe(req.universe(), Tagging.NAME, req.name(), Tagging.INSTANCE, req.name(),
                Tagging.GROUP, req.group(), Tagging.PORT, Integer.toString(port));
        String subnet = network.subnetFor(req.index());
        for (int generation = 0; generation < MAX_TOKEN_GENERATIONS; generation++) {
            String token = AwsNames.clientToken(req.name(), generation);
            Instance i = calls.call(SERVICE, "RunInstances for " + req.name(), () -> {
                try {
                    return runInstances(ec2, req, type, subnet, tags, token, userData);
                } catch (RuntimeException e) {
                    // The token was used for a launch with other parameters (the universe was destroyed and is declared
                    // anew): like a terminated instance, a reason for the next token.
                    if (AwsCalls.is(e, "IdempotentParameterMismatch")) {
                        return null;
                    }
                    throw e;
                }
            });
            if (i != null && LIVE_STATES.contains(i.state().nameAsString())) {
                return i;
            }
            // The token's instance is gone (terminated since): the next generation launches a new one.
        }
        throw new ProviderException("RunInstances for " + req.name() + " kept returning terminated instances or parameter mismatches for "
                + MAX_TOKEN_GENERATIONS + " client tokens");
    }

    private Instance runInstances(Ec2Client ec2, InstanceRequest req, String type, String subnet, Map<String, String> tags, String token,
            String userData) {
        return ec2.runInstances(r -> r
                .imageId(req.image())
                .instanceType(type)
                .minCount(1)
                .maxCount(1)
                .clientToken(token)
                .subnetId(subnet)
                .securityGroupIds(network.securityGroups().isEmpty() ? null : network.securityGroups())
                .userData(userData)
                .metadataOptions(m -> m.httpTokens(HttpTokensState.REQUIRED))
                .iamInstanceProfile(profile(network.instanceProfile()))
                .tagSpecifications(
                        TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(Tagging.ec2(tags)).build(),
                        TagSpecification.builder().resourceType(ResourceType.VOLUME)
                                .tags(Tagging.ec2(Tagging.universe(req.universe(), Tagging.NAME, req.name()))).build()))
                .instances().get(0);
    }

    private static software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification profile(String nameOrArn) {
        if (nameOrArn == null) {
            return null;
        }
        var b = software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification.builder();
        return (nameOrArn.startsWith("arn:") ? b.arn(nameOrArn) : b.name(nameOrArn)).build();
    }

    /** The live instance tagged with the name, if any (the oldest, should a race have made two). */
    Optional<Instance> find(Ec2Client ec2, String universe, String name) {
        return describe(ec2, "DescribeInstances " + name,
                Filter.builder().name("tag:" + Tagging.UNIVERSE).values(universe).build(),
                Filter.builder().name("tag:" + Tagging.INSTANCE).values(name).build())
                .stream().min((a, b) -> a.launchTime().compareTo(b.launchTime()));
    }

    private List<Instance> describe(Ec2Client ec2, String what, Filter... filters) {
        List<Filter> all = new java.util.ArrayList<>(List.of(filters));
        all.add(Filter.builder().name("instance-state-name").values(LIVE_STATES).build());
        return calls.call(SERVICE, what, () -> ec2.describeInstancesPaginator(r -> r.filters(all)).reservations().stream()
                .flatMap(res -> res.instances().stream()).toList());
    }

    private Resource resource(AwsClients c, Instance i, String universe, String group, int port, String tg) {
        Map<String, String> a = new TreeMap<>(ClientPool.placement(c));
        a.put("universe", universe);
        a.put("group", group);
        a.put("instanceId", i.instanceId());
        a.put("privateIp", i.privateIpAddress());
        a.put("port", Integer.toString(port));
        a.put("size", i.instanceTypeAsString());
        a.put("image", i.imageId());
        if (tg != null) {
            a.put("targetGroup", tg);
        }
        return new Resource(KIND, Tagging.ec2Tag(i.tags(), Tagging.INSTANCE), a);
    }

    @Override
    public boolean healthy(Resource instance, String healthPath) {
        AwsClients c = pool.of(instance);
        String tg = instance.attr("targetGroup");
        if (tg == null) {
            return false;
        }
        Endpoint e = endpoint(instance);
        Optional<TargetHealthDescription> d = targetGroups.health(c.elb(), tg).stream()
                .filter(h -> e.host().equals(h.target().id()) && Integer.valueOf(e.port()).equals(h.target().port()))
                .findFirst();
        if (d.isEmpty()) {
            return false;
        }
        TargetHealthStateEnum state = d.get().targetHealth().state();
        if (state == TargetHealthStateEnum.UNUSED) {
            return statusChecksPass(c.ec2(), instance.attr("instanceId"));
        }
        return state == TargetHealthStateEnum.HEALTHY;
    }

    /** For a group no load balancer uses: running, and EC2's instance and system status checks passed. */
    private boolean statusChecksPass(Ec2Client ec2, String instanceId) {
        List<InstanceStatus> s = calls.call(SERVICE, "DescribeInstanceStatus " + instanceId, () -> ec2.describeInstanceStatus(r -> r
                .instanceIds(instanceId).includeAllInstances(true)).instanceStatuses());
        return !s.isEmpty() && s.get(0).instanceState().name() == InstanceStateName.RUNNING
                && s.get(0).instanceStatus().status() == SummaryStatus.OK && s.get(0).systemStatus().status() == SummaryStatus.OK;
    }

    @Override
    public Endpoint endpoint(Resource instance) {
        return new Endpoint(instance.attr("privateIp"), Integer.parseInt(instance.attr("port")));
    }

    @Override
    public void destroy(Resource instance) {
        AwsClients c = pool.of(instance);
        String universe = instance.attr("universe");
        String id = instance.attr("instanceId");
        if (id == null) {
            id = find(c.ec2(), universe, instance.id()).map(Instance::instanceId).orElse(null);
        }
        if (instance.attr("targetGroup") != null && instance.attr("privateIp") != null) {
            targetGroups.deregister(c.elb(), instance.attr("targetGroup"), endpoint(instance));
        }
        if (id != null) {
            String instanceId = id;
            calls.run(SERVICE, "TerminateInstances " + instance.id(), () -> {
                try {
                    c.ec2().terminateInstances(r -> r.instanceIds(instanceId));
                } catch (RuntimeException e) {
                    if (!AwsCalls.is(e, "InvalidInstanceID.NotFound")) {
                        throw e;
                    }
                }
            });
            states.remove(instanceId);
        }
        secrets.delete(c.secrets(), AwsNames.envSecret(universe, instance.id()));
        // Checked after our own termination: of instances destroyed in parallel, the last one to look finds none left.
        if (describe(c.ec2(), "DescribeInstances of " + universe, Filter.builder().name("tag:" + Tagging.UNIVERSE).values(universe).build())
                .isEmpty()) {
            targetGroups.delete(c.elb(), universe);
        }
    }

    @Override
    public List<Resource> list(String universe) {
        AwsClients c = pool.get();
        List<Instance> found = describe(c.ec2(), "DescribeInstances of " + universe,
                Filter.builder().name("tag:" + Tagging.UNIVERSE).values(universe).build());
        if (found.isEmpty()) {
            return List.of();
        }
        String tg = targetGroups.find(c.elb(), universe).map(t -> t.targetGroupArn()).orElse(null);
        return found.stream()
                .filter(i -> Tagging.ec2Tag(i.tags(), Tagging.INSTANCE) != null)
                .map(i -> resource(c, i, universe, Tagging.ec2Tag(i.tags(), Tagging.GROUP), port(i), tg))
                .toList();
    }

    private static int port(Instance i) {
        try {
            return Integer.parseInt(Tagging.ec2Tag(i.tags(), Tagging.PORT));
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }

    @Override
    public boolean alive(Resource instance) {
        String id = instance.attr("instanceId");
        Seen seen = states.get(id);
        if (seen != null && System.nanoTime() - seen.at() < STATE_MEMO_NANOS) {
            return seen.alive();
        }
        boolean alive = aliveNow(instance);
        states.put(id, new Seen(System.nanoTime(), alive));
        return alive;
    }

    private boolean aliveNow(Resource instance) {
        AwsClients c = pool.of(instance);
        String id = instance.attr("instanceId");
        return calls.call(SERVICE, "DescribeInstances " + instance.id(), () -> {
            try {
                return c.ec2().describeInstances(r -> r.instanceIds(id)).reservations().stream()
                        .flatMap(res -> res.instances().stream())
                        .anyMatch(i -> LIVE_STATES.contains(i.state().nameAsString()));
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "InvalidInstanceID.NotFound")) {
                    return false;
                }
                throw e;
            }
        });
    }
}
