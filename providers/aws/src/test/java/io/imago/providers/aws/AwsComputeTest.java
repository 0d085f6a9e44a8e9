package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.testkit.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.Tag;

/** EC2 instances on moto: create, re-create, list, health, user data, destroy. */
class AwsComputeTest {
    private static MotoServer moto;
    private static ClientPool direct;

    @TempDir
    Path dir;
    private final TestAws aws = new TestAws();
    private AwsProvider provider;

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start().useInThisJvm();
        direct = new ClientPool(AwsSettings.of(Map.of()), AwsClients.defaultHttpClient(), true);
    }

    @AfterAll
    static void stopMoto() {
        direct.close();
        moto.close();
    }

    @BeforeEach
    void open() {
        moto.reset();
        provider = aws.provider(dir);
    }

    @AfterEach
    void close() {
        provider.close();
    }

    /** The test's own clients, straight to moto, to check what the provider did. */
    private static AwsClients clients() {
        return direct.get();
    }

    private Instance describe(Resource r) {
        return clients().ec2().describeInstances(b -> b.instanceIds(r.attr("instanceId"))).reservations().get(0).instances().get(0);
    }

    @Test
    void createIsIdempotentAndTheInstanceIsFoundByItsTags() {
        Resource first = provider.compute().create(TestAws.instance("shop-v1", 0));
        Resource again = provider.compute().create(TestAws.instance("shop-v1", 0));
        assertEquals("shop-v1-web-0", first.id());
        assertEquals(first.attr("instanceId"), again.attr("instanceId"), "a re-run returns the instance it started");

        Instance i = describe(first);
        assertEquals(Map.of("Name", "shop-v1-web-0", "imago:universe", "shop-v1", "imago:instance", "shop-v1-web-0", "imago:group", "web",
                "imago:port", "8080"), tags(i.tags()));
        assertEquals("t3.small", i.instanceTypeAsString(), "size small is t3.small");
        assertEquals(new Endpoint(i.privateIpAddress(), 8080), provider.compute().endpoint(first));

        List<Resource> listed = provider.compute().list("shop-v1");
        assertEquals(List.of(first.attr("instanceId")), listed.stream().map(r -> r.attr("instanceId")).toList());
        assertEquals("shop-v1-web-0", listed.get(0).id());
        assertEquals(List.of(), provider.compute().list("shop-v2"));
        assertTrue(provider.compute().alive(first));
    }

    @Test
    void healthComesFromTheTargetGroupTheInstanceIsRegisteredIn() {
        Resource r = provider.compute().create(TestAws.instance("shop-v1", 0));
        var elb = clients().elb();
        var tg = elb.describeTargetGroups(b -> b.names("imago-shop-v1")).targetGroups().get(0);
        assertEquals("/health", tg.healthCheckPath());
        assertEquals("ip", tg.targetTypeAsString());
        var registered = elb.describeTargetHealth(b -> b.targetGroupArn(tg.targetGroupArn())).targetHealthDescriptions();
        assertEquals(List.of(r.attr("privateIp") + ":8080"), registered.stream().map(d -> d.target().id() + ":" + d.target().port()).toList());
        assertTrue(provider.compute().healthy(r, "/health"));
    }

    @Test
    void destroyTerminatesDeregistersAndLeavesNothingTagged() {
        Resource a = provider.compute().create(TestAws.instance("shop-v1", 0));
        Resource b = provider.compute().create(TestAws.instance("shop-v1", 1));
        provider.compute().destroy(a);
        assertFalse(provider.compute().alive(a));
        assertTrue(provider.compute().alive(b));
        assertEquals(List.of("shop-v1-web-1"), provider.compute().list("shop-v1").stream().map(Resource::id).toList());
        assertTrue(provider.leftovers("shop-v1").stream().anyMatch(l -> l.contains("imago-shop-v1")),
                "the target group stays while an instance of the universe is left: " + provider.leftovers("shop-v1"));

        provider.compute().destroy(b);
        provider.compute().destroy(b); // a no-op the second time
        assertEquals(List.of(), provider.compute().list("shop-v1"));
        assertEquals(List.of(), provider.leftovers("shop-v1"));
    }

    @Test
    void aUniverseCreatedAgainAfterItsDestroyGetsANewInstance() {
        Resource first = provider.compute().create(TestAws.instance("shop-v1", 0));
        provider.compute().destroy(first);
        Resource second = provider.compute().create(TestAws.instance("shop-v1", 0));
        assertNotEquals(first.attr("instanceId"), second.attr("instanceId"));
        assertTrue(provider.compute().alive(second));
    }

    @Test
    void userDataHoldsNoSecretValueAndTheInstanceReadsThemFromSecretsManager() {
        String password = "pw-9f8e7d6c5b4a";
        String apiKey = "key-0a1b2c3d4e5f";
        InstanceRequest req = TestAws.instance("shop-v1", 0, Map.of(
                "DB_URL", "postgresql://app:" + password + "@db.internal:5432/app",
                "API_KEY", apiKey,
                "SCHEMA_VERSION", "2"), Set.of("DB_URL", "API_KEY"));
        ProviderException refused = assertThrows(ProviderException.class, () -> provider.compute().create(req));
        assertTrue(refused.getMessage().contains("set provider.instanceProfile"), refused.getMessage());
        TestAws.createInstanceProfile(moto);
        provider.close();
        provider = aws.provider(dir, TestAws.WITH_PROFILE);
        Resource r = provider.compute().create(req);
        assertTrue(describe(r).iamInstanceProfile().arn().endsWith("instance-profile/" + TestAws.PROFILE), "the role that reads the secret");

        String encoded = clients().ec2().describeInstanceAttribute(b -> b.instanceId(r.attr("instanceId"))
                .attribute(InstanceAttributeName.USER_DATA)).userData().value();
        String script = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        assertFalse(script.contains(password), script);
        assertFalse(script.contains(apiKey), script);
        assertTrue(script.startsWith("#!/bin/bash\n"), script);
        assertTrue(script.contains("export SCHEMA_VERSION='2'\n"), script);
        assertTrue(script.contains("export PORT='8080'\nexport IMAGO_UNIVERSE='shop-v1'\nexport IMAGO_INSTANCE='shop-v1-web-0'\n"), script);
        assertTrue(script.contains("aws secretsmanager get-secret-value --region 'us-east-1' --secret-id 'imago/shop-v1/env/shop-v1-web-0'"), script);
        assertTrue(script.endsWith("exec '/opt/shop/bin/start' '--port=8080'\n"), script);

        String stored = clients().secrets().getSecretValue(b -> b.secretId("imago/shop-v1/env/shop-v1-web-0")).secretString();
        assertTrue(stored.contains("export DB_URL='postgresql://app:" + password + "@db.internal:5432/app'\n"), "the secret holds the value");
        assertTrue(stored.contains("export API_KEY='" + apiKey + "'\n"));
        assertFalse(stored.contains("SCHEMA_VERSION"), "only the secret-valued variables go to the secret");
        assertFalse(r.attrs().values().stream().anyMatch(v -> v.contains(password) || v.contains(apiKey)), "nor into the state");

        provider.compute().destroy(r);
        assertEquals(List.of(), provider.leftovers("shop-v1"), "the instance's secret goes with it");
    }

    @Test
    void withoutSecretValuedVariablesNothingIsReadFromSecretsManager() {
        Resource r = provider.compute().create(TestAws.instance("shop-v1", 0));
        String script = new String(Base64.getDecoder().decode(clients().ec2().describeInstanceAttribute(b -> b
                .instanceId(r.attr("instanceId")).attribute(InstanceAttributeName.USER_DATA)).userData().value()), StandardCharsets.UTF_8);
        assertFalse(script.contains("secretsmanager"), script);
        assertEquals(List.of(), clients().secrets().listSecrets().secretList());
    }

    @Test
    void explicitInstanceTypeWinsAndSizesFollowTheTable() {
        InstanceRequest xs = new InstanceRequest("shop-v1", "web", 0, "xs", null, "ami-12c6146b", null, null, 8080, Map.of());
        InstanceRequest typed = new InstanceRequest("shop-v1", "worker", 0, "large", "m5.large", "ami-12c6146b", null, null, 9090, Map.of());
        assertEquals("t3.micro", describe(provider.compute().create(xs)).instanceTypeAsString());
        assertEquals("m5.large", describe(provider.compute().create(typed)).instanceTypeAsString());
    }

    @Test
    void imageAndPortAreRequired() {
        InstanceRequest noImage = new InstanceRequest("shop-v1", "web", 0, "small", null, null, null, null, 8080, Map.of());
        InstanceRequest noPort = new InstanceRequest("shop-v1", "web", 0, "small", null, "ami-12c6146b", null, null, null, Map.of());
        assertTrue(assertThrows(ProviderException.class, () -> provider.compute().create(noImage)).getMessage().contains("no image"));
        assertTrue(assertThrows(ProviderException.class, () -> provider.compute().create(noPort)).getMessage().contains("no port"));
    }

    @Test
    void theBlueprintsNetworkPlacesInstancesAndTheTargetGroup() {
        var ec2 = clients().ec2();
        String vpc = ec2.createVpc(b -> b.cidrBlock("10.20.0.0/16")).vpc().vpcId();
        String subnetA = ec2.createSubnet(b -> b.vpcId(vpc).cidrBlock("10.20.1.0/24").availabilityZone("us-east-1a")).subnet().subnetId();
        String subnetB = ec2.createSubnet(b -> b.vpcId(vpc).cidrBlock("10.20.2.0/24").availabilityZone("us-east-1b")).subnet().subnetId();
        String sg = ec2.createSecurityGroup(b -> b.vpcId(vpc).groupName("shop").description("shop")).groupId();
        try (AwsProvider p = aws.provider(dir, Map.of("network.vpc", vpc, "network.subnets", subnetA + "," + subnetB,
                "network.securityGroups", sg))) {
            Instance first = describe(p.compute().create(TestAws.instance("shop-v1", 0)));
            Instance second = describe(p.compute().create(TestAws.instance("shop-v1", 1)));
            assertEquals(List.of(subnetA, subnetB), List.of(first.subnetId(), second.subnetId()), "round robin over the subnets");
            assertEquals(List.of(sg), first.securityGroups().stream().map(g -> g.groupId()).toList());
            assertTrue(first.privateIpAddress().startsWith("10.20."), first.privateIpAddress());
            assertEquals(vpc, clients().elb().describeTargetGroups(b -> b.names("imago-shop-v1")).targetGroups().get(0).vpcId());
        }
    }

    private static Map<String, String> tags(List<Tag> tags) {
        return tags.stream().collect(java.util.stream.Collectors.toMap(Tag::key, Tag::value));
    }
}
