package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.testkit.FaultInjectingProxy;
import io.imago.testkit.MotoServer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;

/**
 * The ingress on moto, every call going through a recording proxy (no faults), so the tests can count calls: the
 * switch of a load balancer is one ModifyListener, of a dns ingress one ChangeResourceRecordSets.
 */
class AwsIngressTest {
    private static MotoServer moto;
    private static ClientPool direct;
    private static FaultInjectingProxy recorder;

    @TempDir
    Path dir;
    private final TestAws aws = new TestAws();
    private AwsProvider provider;
    private AutoCloseable viaRecorder;

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start().useInThisJvm();
        direct = new ClientPool(AwsSettings.of(Map.of()), AwsClients.defaultHttpClient(), true);
        // Built now, while aws.endpointUrl names moto itself: the test's own calls are not recorded.
        direct.get().elb();
        direct.get().route53();
        recorder = FaultInjectingProxy.start(moto.endpoint(), 0);
    }

    @AfterAll
    static void stopMoto() {
        direct.close();
        recorder.close();
        moto.close();
    }

    @BeforeEach
    void open() {
        moto.reset();
        recorder.clear();
        viaRecorder = TestAws.endpoint(recorder.endpoint());
        provider = aws.provider(dir);
    }

    @AfterEach
    void close() throws Exception {
        provider.close();
        viaRecorder.close();
    }

    /** The test's own clients, straight to moto, to check what the provider did. */
    private static AwsClients clients() {
        return direct.get();
    }

    private List<Endpoint> universe(String name, int count) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> provider.compute().endpoint(provider.compute().create(TestAws.instance(name, i)))).toList();
    }

    private List<Action> defaultActions(Resource ingress) {
        return clients().elb().describeListeners(b -> b.listenerArns(ingress.attr("listenerArn"))).listeners().get(0).defaultActions();
    }

    @Test
    void theLoadBalancerIsCreatedOnceAndAnswers503UntilTheFirstSwitch() {
        Resource first = provider.ingress().create(new IngressRequest("shop", "loadBalancer", null));
        Resource again = provider.ingress().create(new IngressRequest("shop", "loadBalancer", null));
        assertEquals(first.attrs(), again.attrs());
        assertEquals(1, recorder.forwarded("CreateLoadBalancer"));
        assertEquals(1, recorder.forwarded("CreateListener"));
        assertEquals("imago-shop", first.attr("loadBalancer"));
        assertEquals("http://" + first.attr("dnsName") + ":80", provider.ingress().url(first));
        assertEquals("fixed-response", defaultActions(first).get(0).typeAsString());
        assertEquals("503", defaultActions(first).get(0).fixedResponseConfig().statusCode());
        assertEquals(List.of(), provider.ingress().target(first));
        assertTrue(provider.ingress().alive(first));
        var lb = clients().elb().describeLoadBalancers(b -> b.names("imago-shop")).loadBalancers().get(0);
        assertEquals(Map.of("imago:ingress", "shop"), clients().elb().describeTags(b -> b.resourceArns(lb.loadBalancerArn()))
                .tagDescriptions().get(0).tags().stream().collect(java.util.stream.Collectors.toMap(t -> t.key(), t -> t.value())));
        assertTrue(lb.availabilityZones().size() >= 2, "one subnet in each of several zones");
    }

    @Test
    void theSwitchIsOneModifyListenerCallAndTargetFollowsIt() {
        Resource ingress = provider.ingress().create(new IngressRequest("shop", "loadBalancer", 8000));
        List<Endpoint> v1 = universe("shop-v1", 2);
        List<Endpoint> v2 = universe("shop-v2", 1);
        provider.ingress().point(ingress, "shop-v1", v1);
        assertEquals(new HashSet<>(v1), new HashSet<>(provider.ingress().target(ingress)));

        recorder.clear();
        provider.ingress().pointAndRelease(ingress, "shop-v2", v2);
        assertEquals(List.of("ModifyListener"), recorder.actions(), "the switch is one call: the provider made the group, it knows it");
        String v2Group = clients().elb().describeTargetGroups(b -> b.names("imago-shop-v2")).targetGroups().get(0).targetGroupArn();
        assertEquals("forward", defaultActions(ingress).get(0).typeAsString());
        assertEquals(v2Group, defaultActions(ingress).get(0).targetGroupArn());
        assertEquals(v2, provider.ingress().target(ingress));
        assertEquals("http://" + ingress.attr("dnsName") + ":8000", provider.ingress().url(ingress));

        // A run resumed in a new process looks the group up by name, then makes the one call.
        try (AwsProvider resumed = aws.provider(dir)) {
            recorder.clear();
            resumed.ingress().pointAndRelease(ingress, "shop-v1", v1);
            assertEquals(List.of("DescribeTargetGroups", "ModifyListener"), recorder.actions());
            assertEquals(new HashSet<>(v1), new HashSet<>(resumed.ingress().target(ingress)));
        }
    }

    @Test
    void withoutTheUniversesNameTheGroupHoldingExactlyThoseBackendsIsPicked() {
        Resource ingress = provider.ingress().create(new IngressRequest("shop", "loadBalancer", null));
        List<Endpoint> v1 = universe("shop-v1", 2);
        universe("shop-v2", 1);
        provider.ingress().point(ingress, v1);
        assertEquals(new HashSet<>(v1), new HashSet<>(provider.ingress().target(ingress)));
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.ingress().point(ingress, List.of(new Endpoint("10.9.9.9", 8080))));
        assertTrue(e.getMessage().contains("no target groups hold exactly"), e.getMessage());
    }

    @Test
    void theIngressTakesTheLiveUniversesGroupWithItWhenThatUniverseIsGone() {
        Resource ingress = provider.ingress().create(new IngressRequest("shop", "loadBalancer", null));
        universe("shop-v1", 1);
        provider.ingress().point(ingress, "shop-v1", provider.compute().list("shop-v1").stream().map(provider.compute()::endpoint).toList());
        // The live universe destroyed by name: its group stays while the listener forwards to it...
        provider.compute().list("shop-v1").forEach(provider.compute()::destroy);
        assertEquals(List.of("elbv2 target group imago-shop-v1"), provider.leftovers("shop-v1").stream()
                .map(l -> l.startsWith("arn:") ? "elbv2 target group imago-shop-v1" : l).distinct().toList());
        // ...and goes with the ingress.
        provider.ingress().destroy(ingress);
        provider.ingress().destroy(ingress);
        assertEquals(List.of(), provider.leftovers("shop-v1"));
        assertTrue(clients().elb().describeLoadBalancers().loadBalancers().isEmpty());
        assertTrue(!provider.ingress().alive(ingress));
    }

    @Test
    void aDnsSwitchIsOneUpsertBatchWaitedForUntilInSync() {
        var zone = clients().route53().createHostedZone(b -> b.name("example.org").callerReference("imago-test")).hostedZone();
        Resource ingress = provider.ingress().create(new IngressRequest("shop", "dns", 8080,
                Map.of("hostedZone", "example.org", "record", "shop", "ttl", "30")));
        assertEquals("shop.example.org", ingress.attr("record"));
        assertEquals("http://shop.example.org:8080", provider.ingress().url(ingress));
        assertEquals(List.of(), provider.ingress().target(ingress));

        List<Endpoint> v1 = universe("shop-v1", 2);
        List<Endpoint> v2 = universe("shop-v2", 1);
        provider.ingress().point(ingress, "shop-v1", v1);
        assertEquals(new HashSet<>(v1), new HashSet<>(provider.ingress().target(ingress)));
        recorder.clear();
        provider.ingress().pointAndRelease(ingress, "shop-v2", v2);
        List<String> calls = recorder.actions();
        assertEquals(2, calls.size(), calls.toString());
        assertTrue(calls.get(0).matches("POST /2013-04-01/hostedzone/[A-Z0-9]+/rrset/?"), "one change batch: " + calls);
        assertTrue(calls.get(1).matches("GET /2013-04-01/change/[A-Z0-9]+"), "then waited for INSYNC: " + calls);
        assertEquals(v2, provider.ingress().target(ingress));
        var set = clients().route53().listResourceRecordSets(b -> b.hostedZoneId(zone.id())).resourceRecordSets().stream()
                .filter(s -> s.typeAsString().equals("A")).findFirst().orElseThrow();
        assertEquals(30L, set.ttl());
        assertTrue(aws.log.stream().anyMatch(l -> l.contains("shop.example.org") && l.contains("TTL, 30 s")), aws.log.toString());

        // The same zone named by id; a backend on another port than the ingress's is refused.
        Resource byId = provider.ingress().create(new IngressRequest("shop", "dns", 8080,
                Map.of("hostedZone", zone.id().replace("/hostedzone/", ""), "record", "shop.example.org.")));
        assertEquals(ingress.attr("record"), byId.attr("record"));
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.ingress().point(ingress, "x", List.of(new Endpoint("10.0.0.9", 9090))));
        assertTrue(e.getMessage().contains("a DNS record has no port"), e.getMessage());

        provider.ingress().destroy(ingress);
        provider.ingress().destroy(ingress);
        assertEquals(List.of(), provider.ingress().target(ingress));
        assertTrue(provider.ingress().alive(ingress), "the zone is the user's and stays");
    }

    @Test
    void anUnknownZoneIsNamedInTheError() {
        ProviderException e = assertThrows(ProviderException.class, () -> provider.ingress().create(new IngressRequest("shop", "dns", 80,
                Map.of("hostedZone", "nowhere.example", "record", "shop"))));
        assertTrue(e.getMessage().contains("no Route 53 hosted zone named nowhere.example"), e.getMessage());
    }
}
