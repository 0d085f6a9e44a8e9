package io.imago.providers.aws;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Listener;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.LoadBalancer;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.LoadBalancerSchemeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.LoadBalancerStateEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.LoadBalancerTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;

/**
 * {@code type: loadBalancer}: one Application Load Balancer per ingress name ({@code loadBalancerName}, else
 * {@link AwsNames#loadBalancer}), shared by every universe of that ingress, with one HTTP listener on {@code port}
 * (else {@code listenerPort}, else 80). Until the first switch the listener answers 503 itself. Each universe has its
 * own target group ({@link TargetGroups}); <b>the switch is one ModifyListener call</b> that moves the listener's
 * default action to the new universe's group, which AWS applies atomically: every new request goes to one group or
 * the other, never a mix of both universes' instances. Connections already open to the old instances finish there.
 */
final class LoadBalancerIngress implements IngressService {
    static final String TYPE = "loadBalancer";
    static final String SERVICE = TargetGroups.SERVICE;
    static final Duration ACTIVE_TIMEOUT = Duration.ofMinutes(10);
    static final Duration DELETE_TIMEOUT = Duration.ofMinutes(5);

    private final ClientPool pool;
    private final AwsCalls calls;
    private final AwsNetwork network;
    private final TargetGroups targetGroups;
    private final Consumer<String> log;

    LoadBalancerIngress(ClientPool pool, AwsCalls calls, AwsNetwork network, TargetGroups targetGroups, Consumer<String> log) {
        this.pool = pool;
        this.calls = calls;
        this.network = network;
        this.targetGroups = targetGroups;
        this.log = log;
    }

    @Override
    public Resource create(IngressRequest req) {
        AwsClients c = pool.get();
        String name = req.settings().getOrDefault("loadBalancerName", AwsNames.loadBalancer(req.name()));
        int port = req.port() != null ? req.port() : Integer.parseInt(req.settings().getOrDefault("listenerPort", "80"));
        ElasticLoadBalancingV2Client elb = c.elb();
        LoadBalancer lb = findLoadBalancer(elb, name).orElseGet(() -> calls.call(SERVICE, "CreateLoadBalancer " + name,
                () -> elb.createLoadBalancer(r -> r
                        .name(name)
                        .type(LoadBalancerTypeEnum.APPLICATION)
                        .scheme(LoadBalancerSchemeEnum.INTERNET_FACING)
                        .subnets(network.subnetPerZone())
                        .securityGroups(network.securityGroups().isEmpty() ? null : network.securityGroups())
                        .tags(Tagging.elb(Map.of(Tagging.INGRESS, req.name())))).loadBalancers().get(0)));
        Listener listener = listeners(elb, lb.loadBalancerArn()).stream().filter(l -> l.port() == port).findFirst()
                .orElseGet(() -> calls.call(SERVICE, "CreateListener on port " + port + " of " + name, () -> elb.createListener(r -> r
                        .loadBalancerArn(lb.loadBalancerArn())
                        .protocol(ProtocolEnum.HTTP)
                        .port(port)
                        .defaultActions(nowhere())).listeners().get(0)));
        awaitActive(elb, name);
        Map<String, String> a = new TreeMap<>(ClientPool.placement(c));
        a.put("type", TYPE);
        a.put("name", req.name());
        a.put("loadBalancer", name);
        a.put("loadBalancerArn", lb.loadBalancerArn());
        a.put("listenerArn", listener.listenerArn());
        a.put("dnsName", lb.dnsName());
        a.put("port", Integer.toString(port));
        return new Resource(AwsIngresses.KIND, req.name(), a);
    }

    /** The listener's answer while no universe is live on it. */
    private static Action nowhere() {
        return Action.builder().type(ActionTypeEnum.FIXED_RESPONSE).fixedResponseConfig(f -> f
                .statusCode("503").contentType("text/plain").messageBody("no universe is live on this ingress yet")).build();
    }

    private Optional<LoadBalancer> findLoadBalancer(ElasticLoadBalancingV2Client elb, String name) {
        return calls.call(SERVICE, "DescribeLoadBalancers " + name, () -> {
            try {
                return elb.describeLoadBalancers(r -> r.names(name)).loadBalancers().stream().findFirst();
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "LoadBalancerNotFound")) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    private List<Listener> listeners(ElasticLoadBalancingV2Client elb, String lbArn) {
        return calls.call(SERVICE, "DescribeListeners", () -> elb.describeListeners(r -> r.loadBalancerArn(lbArn)).listeners());
    }

    private void awaitActive(ElasticLoadBalancingV2Client elb, String name) {
        calls.await(SERVICE, "load balancer " + name + " to become active", ACTIVE_TIMEOUT, () -> {
            LoadBalancer lb = elb.describeLoadBalancers(r -> r.names(name)).loadBalancers().get(0);
            LoadBalancerStateEnum state = lb.state() == null ? null : lb.state().code();
            if (state == LoadBalancerStateEnum.ACTIVE) {
                return AwsCalls.Seen.done(lb);
            }
            if (state == LoadBalancerStateEnum.FAILED) {
                throw new ProviderException("load balancer " + name + " failed to provision: " + lb.state().reason());
            }
            return AwsCalls.Seen.notYet(String.valueOf(state));
        });
    }

    /** The one call of the switch: the listener's default action now forwards to the universe's target group. */
    @Override
    public void point(Resource ingress, String universe, List<Endpoint> backends) {
        ElasticLoadBalancingV2Client elb = pool.of(ingress).elb();
        TargetGroup tg = targetGroups.find(elb, universe).orElseThrow(() -> noGroup(universe));
        try {
            forward(elb, ingress, tg);
        } catch (ProviderException e) {
            if (!AwsCalls.is(e.getCause(), "TargetGroupNotFound")) {
                throw e;
            }
            // Deleted (and maybe made again) by someone else since this provider looked: ask once more.
            tg = targetGroups.lookUp(elb, universe).orElseThrow(() -> noGroup(universe));
            forward(elb, ingress, tg);
        }
        log.accept("load balancer " + ingress.attr("loadBalancer") + " forwards to " + universe + " (" + tg.targetGroupName() + ")");
    }

    private static ProviderException noGroup(String universe) {
        return new ProviderException("universe " + universe + " has no target group " + AwsNames.targetGroup(universe)
                + ": its instances were never created, or were destroyed");
    }

    /**
     * Without the universe's name: the one target group (of Imago's, in this load balancer's VPC) whose registered
     * targets are exactly {@code backends}.
     */
    @Override
    public void point(Resource ingress, List<Endpoint> backends) {
        ElasticLoadBalancingV2Client elb = pool.of(ingress).elb();
        String vpc = calls.call(SERVICE, "DescribeLoadBalancers " + ingress.attr("loadBalancer"),
                () -> elb.describeLoadBalancers(r -> r.loadBalancerArns(ingress.attr("loadBalancerArn"))).loadBalancers().get(0).vpcId());
        List<TargetGroup> matching = new ArrayList<>();
        List<TargetGroup> all = calls.call(SERVICE, "DescribeTargetGroups", () -> elb.describeTargetGroupsPaginator(r -> r.pageSize(100))
                .targetGroups().stream().filter(t -> t.targetGroupName().startsWith("imago-") && vpc.equals(t.vpcId())).toList());
        for (TargetGroup tg : all) {
            if (new HashSet<>(targetGroups.targets(elb, tg.targetGroupArn())).equals(new HashSet<>(backends))) {
                matching.add(tg);
            }
        }
        if (matching.size() != 1) {
            throw new ProviderException((matching.isEmpty() ? "no" : matching.size()) + " target groups hold exactly " + backends
                    + ": cannot tell which universe to point ingress " + ingress.id() + " at");
        }
        forward(elb, ingress, matching.get(0));
    }

    private void forward(ElasticLoadBalancingV2Client elb, Resource ingress, TargetGroup tg) {
        calls.run(SERVICE, "ModifyListener of " + ingress.attr("loadBalancer") + " to " + tg.targetGroupName(), () -> elb.modifyListener(r -> r
                .listenerArn(ingress.attr("listenerArn"))
                .defaultActions(Action.builder().type(ActionTypeEnum.FORWARD).targetGroupArn(tg.targetGroupArn()).build())));
    }

    /** The endpoints registered in the target group(s) the listener's default action forwards to; none before a switch. */
    @Override
    public List<Endpoint> target(Resource ingress) {
        ElasticLoadBalancingV2Client elb = pool.of(ingress).elb();
        List<Endpoint> out = new ArrayList<>();
        for (String tg : forwardedTo(elb, ingress)) {
            out.addAll(targetGroups.targets(elb, tg));
        }
        return out;
    }

    private List<String> forwardedTo(ElasticLoadBalancingV2Client elb, Resource ingress) {
        List<Listener> found = calls.call(SERVICE, "DescribeListeners " + ingress.attr("loadBalancer"), () -> {
            try {
                return elb.describeListeners(r -> r.listenerArns(ingress.attr("listenerArn"))).listeners();
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "ListenerNotFound", "LoadBalancerNotFound")) {
                    return List.of();
                }
                throw e;
            }
        });
        List<String> arns = new ArrayList<>();
        for (Listener l : found) {
            for (Action a : l.defaultActions()) {
                if (a.type() != ActionTypeEnum.FORWARD) {
                    continue;
                }
                if (a.targetGroupArn() != null) {
                    arns.add(a.targetGroupArn());
                } else if (a.forwardConfig() != null) {
                    a.forwardConfig().targetGroups().forEach(t -> arns.add(t.targetGroupArn()));
                }
            }
        }
        return arns;
    }

    @Override
    public String url(Resource ingress) {
        return "http://" + ingress.attr("dnsName") + ":" + ingress.attr("port");
    }

    /**
     * Deletes the load balancer (its listener with it), then the target group it forwarded to, if that universe has no
     * instance left (else that universe's destroy deletes it).
     */
    @Override
    public void destroy(Resource ingress) {
        ElasticLoadBalancingV2Client elb = pool.of(ingress).elb();
        List<String> forwarded = forwardedTo(elb, ingress);
        calls.run(SERVICE, "DeleteLoadBalancer " + ingress.attr("loadBalancer"), () -> {
            try {
                elb.deleteLoadBalancer(r -> r.loadBalancerArn(ingress.attr("loadBalancerArn")));
            } catch (RuntimeException e) {
                if (!AwsCalls.is(e, "LoadBalancerNotFound")) {
                    throw e;
                }
            }
        });
        for (String arn : forwarded) {
            List<TargetGroup> tg = calls.call(SERVICE, "DescribeTargetGroups", () -> {
                try {
                    return elb.describeTargetGroups(r -> r.targetGroupArns(arn)).targetGroups();
                } catch (RuntimeException e) {
                    if (AwsCalls.is(e, "TargetGroupNotFound")) {
                        return List.of();
                    }
                    throw e;
                }
            });
            if (!tg.isEmpty() && targetGroups.targets(elb, arn).isEmpty()) {
                // The listener goes with the load balancer, a moment after the call returns.
                calls.await(SERVICE, "target group " + tg.get(0).targetGroupName() + " to be released by the deleted listener", DELETE_TIMEOUT,
                        () -> deleted(elb, arn) ? AwsCalls.Seen.done(Boolean.TRUE) : AwsCalls.Seen.notYet("in use"));
                targetGroups.forget(arn);
            }
        }
    }

    private static boolean deleted(ElasticLoadBalancingV2Client elb, String arn) {
        try {
            elb.deleteTargetGroup(r -> r.targetGroupArn(arn));
            return true;
        } catch (RuntimeException e) {
            if (AwsCalls.is(e, "TargetGroupNotFound")) {
                return true;
            }
            if (AwsCalls.is(e, "ResourceInUse")) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean alive(Resource ingress) {
        ElasticLoadBalancingV2Client elb = pool.of(ingress).elb();
        return findLoadBalancer(elb, ingress.attr("loadBalancer"))
                .filter(lb -> lb.state() == null || lb.state().code() != LoadBalancerStateEnum.FAILED).isPresent();
    }

    /** A load balancer runs by itself; one deleted behind Imago's back is reported by {@link #alive} and status. */
    @Override
    public void ensureRunning(Resource ingress) {
    }
}
