package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.ProviderFactory;
import io.imago.providers.spi.Resource;
import io.imago.testkit.MotoServer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two universes of one ingress rented, switched and released as the engine would, with every network connection and
 * host-name lookup of this JVM watched ({@link LoopbackGuard}): nothing leaves 127.0.0.0/8 (no real AWS endpoint, no
 * metadata service, no instance address, no RDS host name), and nothing tagged is left.
 */
class AwsUniverseTest {
    private static MotoServer moto;
    private static LoopbackGuard guard;

    @TempDir
    Path dir;
    private final TestAws aws = new TestAws();

    @BeforeAll
    static void start() {
        moto = MotoServer.start().useInThisJvm();
        guard = LoopbackGuard.install();
    }

    @AfterAll
    static void stop() {
        guard.uninstall();
        moto.close();
    }

    private record Universe(Resource db, List<Resource> instances) {
        List<Endpoint> endpoints(Provider p) {
            return instances.stream().map(p.compute()::endpoint).toList();
        }
    }

    private static Universe rent(Provider p, String name, int count) {
        Resource db = p.database().create(new DatabaseRequest(name, "15", "small", null, 20));
        String url = p.database().credentials(db, false).url();
        List<Resource> instances = java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> p.compute().create(TestAws.instance(name, i, Map.of("DB_URL", url), Set.of("DB_URL")))).toList();
        instances.forEach(r -> assertTrue(p.compute().healthy(r, "/health"), r.id()));
        return new Universe(db, instances);
    }

    private static void release(Provider p, Universe u) {
        u.instances().parallelStream().forEach(p.compute()::destroy);
        p.database().destroy(u.db());
    }

    @Test
    void twoUniversesSwitchAndGoWithoutASocketOutsideLoopbackOrALeftover() {
        TestAws.createInstanceProfile(moto);
        try (AwsProvider p = aws.provider(dir, TestAws.WITH_PROFILE)) {
            Resource ingress = p.ingress().create(new IngressRequest("shop", "loadBalancer", 80));
            Universe v1 = rent(p, "shop-v1", 2);
            p.ingress().point(ingress, "shop-v1", v1.endpoints(p));
            Universe v2 = rent(p, "shop-v2", 2);
            p.ingress().pointAndRelease(ingress, "shop-v2", v2.endpoints(p));
            assertEquals(new HashSet<>(v2.endpoints(p)), new HashSet<>(p.ingress().target(ingress)));

            release(p, v1);
            assertEquals(List.of(), p.leftovers("shop-v1"));
            assertEquals(new HashSet<>(v2.endpoints(p)), new HashSet<>(p.ingress().target(ingress)), "the live universe is untouched");

            release(p, v2);
            p.ingress().destroy(ingress);
            assertEquals(List.of(), p.leftovers("shop-v2"));
        }
        assertEquals(List.of(), guard.outside(), "connections and look-ups outside 127.0.0.0/8");
        assertTrue(guard.seen().contains("connect 127.0.0.1:" + moto.port()), guard.seen().toString());
    }

    @Test
    void theFactoryIsFoundByServiceLoaderAndBuildsNothingUntilUsed() {
        ProviderFactory factory = ServiceLoader.load(ProviderFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.type().equals("aws")).findFirst().orElseThrow();
        try (Provider p = factory.create(new ProviderContext(dir, Map.of("region", "us-east-1"), aws.log::add))) {
            assertEquals("aws", p.type());
            assertTrue(p.prices().source().startsWith("bundled catalog aws-us-east-1.json, on-demand prices as of 2025-01"), p.prices().source());
            assertEquals(List.of(), p.compute().list("nobody"));
        }
        assertEquals(List.of(), guard.outside());
    }
}
