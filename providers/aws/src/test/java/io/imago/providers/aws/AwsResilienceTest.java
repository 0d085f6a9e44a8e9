package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.DatabaseRequest;
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
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Throttling and 5xx answers, injected by a proxy in front of moto, are absorbed; a service that keeps failing is cut off. */
class AwsResilienceTest {
    private static MotoServer moto;
    private static FaultInjectingProxy proxy;

    @TempDir
    Path dir;
    private final TestAws aws = new TestAws();
    private AwsProvider provider;
    private AutoCloseable viaProxy;

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start().useInThisJvm();
        proxy = FaultInjectingProxy.start(moto.endpoint(), 0);
    }

    @AfterAll
    static void stopMoto() {
        proxy.close();
        moto.close();
    }

    @BeforeEach
    void open() {
        moto.reset();
        proxy.failEvery(0);
        proxy.faults(FaultInjectingProxy.Fault.UNAVAILABLE, FaultInjectingProxy.Fault.THROTTLING);
        proxy.clear();
        TestAws.createInstanceProfile(moto);
        viaProxy = TestAws.endpoint(proxy.endpoint());
        provider = aws.provider(dir, TestAws.WITH_PROFILE);
    }

    @AfterEach
    void close() throws Exception {
        provider.close();
        viaProxy.close();
    }

    @Test
    void aUniverseIsRentedSwitchedAndReleasedWhileEveryFourthCallIsThrottledOrFails() {
        proxy.failEvery(4);
        Resource db = provider.database().create(new DatabaseRequest("shop-v1", "15", "small", null, 20));
        Resource ingress = provider.ingress().create(new IngressRequest("shop", "loadBalancer", null));
        Resource a = provider.compute().create(TestAws.instance("shop-v1", 0, Map.of("DB_URL", "postgresql://x"), Set.of("DB_URL")));
        Resource b = provider.compute().create(TestAws.instance("shop-v1", 1));
        List<Endpoint> backends = List.of(provider.compute().endpoint(a), provider.compute().endpoint(b));
        assertTrue(provider.compute().healthy(a, "/health") && provider.compute().healthy(b, "/health"));
        provider.ingress().point(ingress, "shop-v1", backends);
        assertEquals(new HashSet<>(backends), new HashSet<>(provider.ingress().target(ingress)));
        assertEquals("imago", provider.database().credentials(db, true).user());

        provider.compute().destroy(a);
        provider.compute().destroy(b);
        provider.database().destroy(db);
        provider.ingress().destroy(ingress);
        assertEquals(List.of(), provider.leftovers("shop-v1"));
        assertTrue(proxy.faults() >= 12, proxy.faults() + " faults in " + proxy.calls() + " calls");
        assertEquals(1, proxy.forwarded("CreateDBInstance"), "retries never created a second database");
        assertEquals(2, proxy.forwarded("RunInstances"), "nor a third instance");
    }

    @Test
    void aServiceThatKeepsFailingIsCutOffByItsCircuitBreaker() {
        proxy.faults(FaultInjectingProxy.Fault.UNAVAILABLE);
        proxy.failEvery(1);
        ProviderException last = null;
        for (int i = 0; i < 10 && (last == null || !last.getMessage().contains("stops calling it")); i++) {
            last = assertThrows(ProviderException.class, () -> provider.compute().list("shop-v1"));
        }
        assertTrue(last.getMessage().startsWith("the AWS EC2 API failed most of the last calls, so imago stops calling it for 30 s"),
                last.getMessage());
        int callsSoFar = proxy.calls();
        ProviderException cutOff = assertThrows(ProviderException.class, () -> provider.compute().list("shop-v1"));
        assertTrue(cutOff.getMessage().contains("was not attempted"), cutOff.getMessage());
        assertEquals(callsSoFar, proxy.calls(), "an open breaker sends nothing");
        // Other services have breakers of their own.
        proxy.failEvery(0);
        assertEquals(List.of(), provider.database().list("shop-v1"));
    }

    @Test
    void aFailureThatIsNotTransientIsReportedAtOnceInAwsOwnWords() {
        try (AwsProvider p = aws.provider(dir, Map.of("network.subnets", "subnet-0nothere"))) {
            ProviderException e = assertThrows(ProviderException.class, () -> p.compute().create(TestAws.instance("shop-v1", 0)));
            assertTrue(e.getMessage().startsWith("EC2 DescribeSubnets failed: "), e.getMessage());
            assertTrue(e.getMessage().contains("(InvalidSubnetID.NotFound, HTTP 400)"), e.getMessage());
            assertEquals(1, proxy.count("DescribeSubnets"), "not retried");
        }
    }
}
