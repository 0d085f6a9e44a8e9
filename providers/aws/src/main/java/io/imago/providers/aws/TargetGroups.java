package io.imago.providers.aws;

import io.imago.providers.spi.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;

/**
 * One target group per universe ({@link AwsNames#targetGroup}), of target type {@code ip}: its targets are exactly the
 * {@code privateIp:port} endpoints the SPI speaks of, so {@link #targets} answers the ingress's {@code target()} and
 * the engine's {@code IngressProbe} compares like with like. The group is created with the universe's first instance
 * and checks the blueprint's health path on each target's own port; the load balancer's listener forwards to one
 * group at a time (the switch). A group is deleted once no instance of its universe is left, unless a listener still
 * forwards to it (then the ingress's own destroy deletes it).
 */
final class TargetGroups {
    static final String SERVICE = "ELBv2";
    /** The engine polls health every 200 ms; one DescribeTargetHealth per group per second answers for all its targets. */
    private static final Duration HEALTH_MEMO = Duration.ofSeconds(1);

    private final AwsCalls calls;
    private final Consumer<String> log;
    private final Map<String, Memo> health = new ConcurrentHashMap<>();
    /**
     * The groups this provider found or made, by universe: the switch then needs no look-up inside the write pause. Only
     * this process's own knowledge (a group is deleted through {@link #delete}, which forgets it); the listener's call
     * names a group that no longer exists only if someone else deleted it, and then {@link LoadBalancerIngress} asks again.
     */
    private final Map<String, TargetGroup> known = new ConcurrentHashMap<>();

    private record Memo(long at, List<TargetHealthDescription> value) {}

    TargetGroups(AwsCalls calls, Consumer<String> log) {
        this.calls = calls;
        this.log = log;
    }

    /** The universe's group, from what this provider knows or else from ELBv2. */
    Optional<TargetGroup> find(ElasticLoadBalancingV2Client elb, String universe) {
        TargetGroup cached = known.get(universe);
        return cached != null ? Optional.of(cached) : lookUp(elb, universe);
    }

    /** Forgets what it knew of the universe's group (someone else deleted it) and asks ELBv2. */
    Optional<TargetGroup> lookUp(ElasticLoadBalancingV2Client elb, String universe) {
        known.remove(universe);
        String name = AwsNames.targetGroup(universe);
        return calls.call(SERVICE, "DescribeTargetGroups " + name, () -> {
            try {
                Optional<TargetGroup> tg = elb.describeTargetGroups(r -> r.names(name)).targetGroups().stream().findFirst();
                tg.ifPresent(t -> known.put(universe, t));
                return tg;
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "TargetGroupNotFound", "TargetGroupNotFoundException")) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /** The universe's group, created when missing; its ARN. */
    String ensure(ElasticLoadBalancingV2Client elb, String universe, String vpc, int port, String healthPath) {
        String path = healthPath == null ? "/" : healthPath;
        Optional<TargetGroup> found = find(elb, universe);
        if (found.isPresent()) {
            if (!path.equals(found.get().healthCheckPath())) {
                log.accept("target group " + found.get().targetGroupName() + " checks " + found.get().healthCheckPath() + " on every instance of "
                        + universe + ", not " + path + ": one group per universe has one health check path");
            }
            return found.get().targetGroupArn();
        }
        String name = AwsNames.targetGroup(universe);
        TargetGroup created = calls.call(SERVICE, "CreateTargetGroup " + name, () -> elb.createTargetGroup(r -> r
                .name(name)
                .protocol(ProtocolEnum.HTTP)
                .port(port)
                .vpcId(vpc)
                .targetType(TargetTypeEnum.IP)
                .healthCheckProtocol(ProtocolEnum.HTTP)
                .healthCheckPath(path)
                .healthCheckIntervalSeconds(10)
                .healthyThresholdCount(2)
                .unhealthyThresholdCount(2)
                .matcher(m -> m.httpCode("200-299"))
                .tags(Tagging.elb(Tagging.universe(universe)))).targetGroups().get(0));
        known.put(universe, created);
        return created.targetGroupArn();
    }

    /** Forgets a group deleted by other means (with its load balancer's listener). */
    void forget(String arn) {
        known.values().removeIf(t -> t.targetGroupArn().equals(arn));
        health.remove(arn);
    }

    /** Idempotent: registering a registered target changes nothing. */
    void register(ElasticLoadBalancingV2Client elb, String arn, Endpoint e) {
        calls.run(SERVICE, "RegisterTargets " + e, () -> elb.registerTargets(r -> r.targetGroupArn(arn).targets(target(e))));
        health.remove(arn);
    }

    /** Idempotent: a target (or group) already gone is fine. */
    void deregister(ElasticLoadBalancingV2Client elb, String arn, Endpoint e) {
        calls.run(SERVICE, "DeregisterTargets " + e, () -> {
            try {
                elb.deregisterTargets(r -> r.targetGroupArn(arn).targets(target(e)));
            } catch (RuntimeException x) {
                if (!AwsCalls.is(x, "InvalidTarget", "TargetGroupNotFound")) {
                    throw x;
                }
            }
        });
        health.remove(arn);
    }

    private static TargetDescription target(Endpoint e) {
        return TargetDescription.builder().id(e.host()).port(e.port()).build();
    }

    /** The group's targets and their health, at most {@link #HEALTH_MEMO} old; empty when the group is gone. */
    List<TargetHealthDescription> health(ElasticLoadBalancingV2Client elb, String arn) {
        Memo m = health.get(arn);
        if (m != null && System.nanoTime() - m.at() < HEALTH_MEMO.toNanos()) {
            return m.value();
        }
        List<TargetHealthDescription> now = healthNow(elb, arn);
        health.put(arn, new Memo(System.nanoTime(), now));
        return now;
    }

    List<TargetHealthDescription> healthNow(ElasticLoadBalancingV2Client elb, String arn) {
        return calls.call(SERVICE, "DescribeTargetHealth", () -> {
            try {
                return elb.describeTargetHealth(r -> r.targetGroupArn(arn)).targetHealthDescriptions();
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "TargetGroupNotFound")) {
                    return List.of();
                }
                throw e;
            }
        });
    }

    /** The registered endpoints, those being deregistered left out. */
    List<Endpoint> targets(ElasticLoadBalancingV2Client elb, String arn) {
        return healthNow(elb, arn).stream()
                .filter(d -> d.targetHealth() == null || d.targetHealth().state() != TargetHealthStateEnum.DRAINING)
                .map(d -> new Endpoint(d.target().id(), d.target().port()))
                .toList();
    }

    /**
     * Deletes the universe's group; a no-op when it is gone. Kept (false) while a listener still forwards to it: the
     * listener's ingress is then live on that universe, and its destroy deletes the group.
     */
    boolean delete(ElasticLoadBalancingV2Client elb, String universe) {
        Optional<TargetGroup> tg = lookUp(elb, universe);
        known.remove(universe);
        if (tg.isEmpty()) {
            return true;
        }
        return calls.call(SERVICE, "DeleteTargetGroup " + tg.get().targetGroupName(), () -> {
            try {
                elb.deleteTargetGroup(r -> r.targetGroupArn(tg.get().targetGroupArn()));
                health.remove(tg.get().targetGroupArn());
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
        });
    }
}
