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
import io.imago.testkit.MotoServer;

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

    /** The instance profile the tests' instances with secret-valued variables run with. */
    static final String PROFILE = "shop-app";
    static final Map<String, String> WITH_PROFILE = Map.of("instanceProfile", PROFILE);

    /** Creates {@link #PROFILE} in moto's IAM (by a plain query call: the build has no IAM client, and moto checks no signature). */
    static void createInstanceProfile(MotoServer moto) {
        try {
            var res = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(moto.endpoint().resolve("/"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("Action=CreateInstanceProfile&Version=2010-05-08&InstanceProfileName="
                            + PROFILE)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("CreateInstanceProfile answered " + res.statusCode() + ": " + res.body());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static InstanceRequest instance(String universe, int index, Map<String, String> env, Set<String> secretEnv) {
        return new InstanceRequest(universe, "web", index, "small", null, "ami-12c6146b", List.of("/opt/shop/bin/start", "--port=8080"),
                null, 8080, env, "/health", secretEnv);
    }

    static InstanceRequest instance(String universe, int index) {
        return instance(universe, index, Map.of("SCHEMA_VERSION", "2"), Set.of());
    }
}
