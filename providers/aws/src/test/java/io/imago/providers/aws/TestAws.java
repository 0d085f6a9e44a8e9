package io.imago.providers.aws;

import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.ProviderContext;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Builds providers against the emulator the JVM points at ({@code aws.endpointUrl}), with short waits for tests. */
final class TestAws {
    /** Retries and polls in milliseconds: the emulator answers at once, and a test must not wait out real backoffs. */
    static final AwsCalls.Pace FAST = new AwsCalls.Pace(4, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(20),
            Duration.ofMillis(100));

    final List<String> log = new CopyOnWriteArrayList<>();
    final RecordingRoles roles = new RecordingRoles();

    AwsProvider provider(Path dir, Map<String, String> settings) {
        return new AwsProvider(new ProviderContext(dir, settings, log::add), AwsClients.defaultHttpClient(), true, new AwsCalls(FAST), roles);
    }

    AwsProvider provider(Path dir) {
        return provider(dir, Map.of());
    }

    /**
     * Points clients built from now on at {@code endpoint} (a proxy in front of the emulator) until closed: a provider's
     * clients read {@code aws.endpointUrl} when they are built, on first use.
     */
    static AutoCloseable endpoint(URI endpoint) {
        String before = System.getProperty("aws.endpointUrl");
        System.setProperty("aws.endpointUrl", endpoint.toString());
        return () -> {
            if (before == null) {
                System.clearProperty("aws.endpointUrl");
            } else {
                System.setProperty("aws.endpointUrl", before);
            }
        };
    }

    static InstanceRequest instance(String universe, int index, Map<String, String> env, Set<String> secretEnv) {
        return new InstanceRequest(universe, "web", index, "small", null, "ami-12c6146b", List.of("/opt/shop/bin/start", "--port=8080"),
                null, 8080, env, "/health", secretEnv);
    }

    static InstanceRequest instance(String universe, int index) {
        return instance(universe, index, Map.of("SCHEMA_VERSION", "2"), Set.of());
    }
}
