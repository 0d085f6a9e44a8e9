package io.imago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.aws.AwsProvider;
import io.imago.providers.aws.AwsProviderFactory;
import io.imago.providers.spi.ProviderContext;
import io.imago.testkit.FaultInjectingProxy;
import io.imago.testkit.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built CLI on the aws provider, against moto server on loopback behind a proxy that throttles or fails every
 * fourth call: a first universe, a second one replacing it (the listener moved by the switch), both destroyed, nothing
 * tagged left. Stateless universes only: moto's RDS answers with endpoints that have no server behind them, so a
 * database (and the data plane) cannot be part of this test.
 */
class AwsUpgradeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MotoServer moto;
    private static FaultInjectingProxy proxy;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        proxy = FaultInjectingProxy.start(moto.endpoint(), 4);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        moto.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(moto.environment());
        env.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
        return env;
    }

    private Path blueprint(String universe, String replaces, int count) throws Exception {
        return blueprint(universe, replaces, count, "web");
    }

    private Path blueprint(String universe, String replaces, int count, String ingress) throws Exception {
        Path bp = dir.resolve(universe + ".yml");
        Files.writeString(bp, "imago: 1\nuniverse: " + universe + "\n" + (replaces == null ? "" : "replaces: " + replaces + "\n") + """
                provider: { type: aws, region: us-east-1 }
                ingress: { name: %s, type: loadBalancer, port: 80 }
                compute:
                  - name: web
                    count: %d
                    image: ami-12c6146b
                    size: xs
                    port: 8080
                    run: ["/opt/web/bin/start"]
                    env: { MODE: live }
                    health: { path: /health, timeout: 60s }
                teardown: { keepOld: 0 }
                """.formatted(ingress, count));
        return bp;
    }

    private Cli.Result imago(String... args) {
        Cli.Result r = Cli.run(dir, env(), args);
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    /** An upgrade that fails before its switch: exit 1, the old universe serves on, nothing of the new one is left. */
    @Test
    void aFailedUpgradeLeavesNothingTaggedAndTheOldUniverseServing() throws Exception {
        imago("apply", "--yes", blueprint("api-v1", null, 1, "api").toString());
        Path v2 = blueprint("api-v2", "api-v1", 1, "api");
        Map<String, String> failing = new HashMap<>(env());
        failing.put("IMAGO_FAULT", "throw:SWITCHOVER:started"); // as a failing call would, right before the flip
        Cli.Result failed = Cli.run(dir, failing, "apply", "--yes", v2.toString());
        assertEquals(1, failed.code(), failed.toString());
        List<String> live = new java.util.ArrayList<>();
        JSON.readTree(imago("status", "--output", "json").out()).path("universes").forEach(u -> {
            if (u.path("name").asText().startsWith("api-")) {
                live.add(u.path("name").asText() + " " + u.path("phase").asText());
            }
        });
        assertTrue(live.contains("api-v1 LIVE"), live.toString());
        moto.useInThisJvm();
        try (AwsProvider aws = (AwsProvider) new AwsProviderFactory().create(new ProviderContext(dir, Map.of(), s -> { }))) {
            assertEquals(List.of(), aws.leftovers("api-v2"), "what the failed universe rented is released");
            imago("destroy", "--yes", "api-v1");
            assertEquals(List.of(), aws.leftovers("api-v1"));
        }
    }

    @Test
    void anUpgradeOnAwsSwitchesTheListenerAndDestroyLeavesNothingTagged() throws Exception {
        Cli.Result v1 = imago("apply", "--yes", blueprint("web-v1", null, 2).toString());
        assertTrue(v1.out().contains("web-v1 is live at http://imago-web-"), v1.toString());
        JsonNode status = JSON.readTree(imago("status", "--output", "json").out());
        JsonNode u1 = status.path("universes").get(0);
        assertEquals("LIVE", u1.path("phase").asText());
        assertEquals("aws", u1.path("provider").asText());

        Cli.Result v2 = imago("apply", "--yes", blueprint("web-v2", "web-v1", 1).toString());
        assertTrue(v2.out().contains("web-v2 is live"), v2.toString());
        List<String> live = new java.util.ArrayList<>();
        JSON.readTree(imago("status", "--output", "json").out()).path("universes").forEach(u -> live.add(u.path("name").asText()));
        assertEquals(List.of("web-v2"), live, "keepOld: 0 retires web-v1 at once");

        imago("destroy", "--yes", "web-v2");
        assertTrue(proxy.faults() >= 10, proxy.faults() + " faults in " + proxy.calls() + " calls");

        moto.useInThisJvm();
        try (AwsProvider aws = (AwsProvider) new AwsProviderFactory().create(new ProviderContext(dir, Map.of(), s -> { }))) {
            assertEquals(List.of(), aws.leftovers("web-v1"));
            assertEquals(List.of(), aws.leftovers("web-v2"));
        }
    }
}
