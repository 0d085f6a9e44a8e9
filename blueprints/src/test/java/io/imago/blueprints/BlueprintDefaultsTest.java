package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a valid blueprint becomes: defaults for what it leaves out, conversions for what it says. */
class BlueprintDefaultsTest {
    private static final String MINIMAL = """
            imago: 1
            universe: shop
            ingress: { name: shop }
            compute:
              - { name: web, run: [app] }
            """;

    @TempDir
    Path dir;

    private Blueprint load(String yaml) {
        BlueprintLoader.LoadResult result = BlueprintLoader.parse("bp.yaml", yaml, dir, Map.of("HOME", "/home/u")::get);
        assertEquals(List.of(), result.errors());
        assertTrue(result.ok());
        return result.blueprint();
    }

    @Test
    void minimal() {
        Blueprint bp = load(MINIMAL);
        assertEquals(dir.resolve("bp.yaml"), bp.file());
        assertEquals(dir, bp.dir());
        assertNull(bp.replaces());
        assertEquals(ProviderSpec.LOCAL, bp.provider());
        assertEquals(new IngressSpec("shop", "loadBalancer", null, Map.of(), new SourcePos("bp.yaml", 3, 1)), bp.ingress());
        ComputeSpec web = bp.compute().get(0);
        assertEquals(new ComputeSpec("web", 1, "small", null, List.of("app"), null, null, Map.of(), HealthSpec.DEFAULT,
                new SourcePos("bp.yaml", 5, 5)), web);
        assertNull(bp.database());
        assertNull(bp.migration());
        assertEquals(MigrationSpec.DEFAULT, bp.migrationOrDefault());
        assertEquals(List.of(), bp.validate());
        assertEquals(SwitchoverSpec.DEFAULT, bp.switchover());
        assertEquals(TeardownSpec.DEFAULT, bp.teardown());
        assertNull(bp.budget());
    }

    @Test
    void databaseDefaultsAndVersionAsNumber() {
        assertEquals(new DatabaseSpec("postgres", "16", "small", null, 10, null, null, new SourcePos("bp.yaml", 6, 1)),
                load(MINIMAL + "database: {}\n").database());
        DatabaseSpec db = load(MINIMAL + "database: { version: 15, instanceClass: db.t3.small, storageGb: 50 }\n").database();
        assertEquals("15", db.version());
        assertNull(db.size(), "an explicit instanceClass wins over size");
        assertEquals("db.t3.small", db.instanceClass());
        assertEquals(50, db.storageGb());
    }

    @Test
    void schemaPathIsResolvedAgainstTheBlueprintFolder() throws Exception {
        Files.createDirectories(dir.resolve("sql"));
        Files.writeString(dir.resolve("sql/schema.sql"), "");
        DatabaseSpec db = load(MINIMAL + "database: { schema: sql/schema.sql }\n").database();
        assertEquals(dir.resolve("sql/schema.sql"), db.schema());
    }

    @Test
    void computeConversions() {
        ComputeSpec web = load(MINIMAL.replace("  - { name: web, run: [app] }\n", """
                  - name: web
                    count: 3
                    instanceType: t3.small
                    size: large
                    run: [sleep, 5, "--url=${ingress.url}", "--home=${env:HOME}"]
                    image: ami-1
                    port: 8080
                    env: { N: 1, B: true, F: 2.5, S: "${secret:pw}" }
                    health: { timeout: 1m30s }
                """)).compute().get(0);
        assertEquals(3, web.count());
        assertNull(web.size(), "an explicit instanceType wins over size");
        assertEquals("t3.small", web.instanceType());
        assertEquals(List.of("sleep", "5", "--url=${ingress.url}", "--home=${env:HOME}"), web.run());
        assertEquals("ami-1", web.image());
        assertEquals(8080, web.port());
        assertEquals(Map.of("N", "1", "B", "true", "F", "2.5", "S", "${secret:pw}"), web.env());
        assertEquals(new HealthSpec("/health", Duration.ofSeconds(90)), web.health());
    }

    @Test
    void providerAndIngressSettingsAreStrings() {
        Blueprint bp = load(MINIMAL.replace("ingress: { name: shop }", """
                ingress:
                  name: shop
                  type: dns
                  hostedZone: example.com
                  record: www
                  ttl: 60
                  listenerPort: 443
                  loadBalancerName: shop-lb""").replace(", run: [app]", ", image: ami-1, port: 8080") + """
                provider:
                  type: aws
                  region: us-east-1
                  profile: ops
                """);
        assertEquals(new ProviderSpec("aws", Map.of("region", "us-east-1", "profile", "ops")), bp.provider());
        assertEquals("dns", bp.ingress().type());
        assertEquals(Map.of("hostedZone", "example.com", "record", "www", "ttl", "60", "listenerPort", "443",
                "loadBalancerName", "shop-lb"), bp.ingress().settings());
    }

    @Test
    void awsNetworkIsFlattenedIntoTheSettings() {
        Blueprint bp = load(MINIMAL.replace(", run: [app]", ", image: ami-1, port: 8080") + """
                provider:
                  type: aws
                  network:
                    vpc: vpc-0abc
                    subnets: [subnet-a, subnet-b]
                    securityGroups: [sg-0abc]
                """);
        assertEquals(Map.of("network.vpc", "vpc-0abc", "network.subnets", "subnet-a,subnet-b", "network.securityGroups", "sg-0abc"),
                bp.provider().settings());
    }

    @Test
    void providerTypeDefaultsToLocal() {
        assertEquals(new ProviderSpec("local", Map.of("dataDir", "x")), load(MINIMAL + "provider: { dataDir: x }\n").provider());
    }

    @Test
    void migrationSettings() {
        MigrationSpec m = load(MINIMAL + """
                replaces: shop-old
                migration:
                  tables: [customers, orders]
                  snapshot: { parallelism: 4 }
                  logShipping: { maxLag: 1s }
                  transforms:
                    - { table: orders, replicaIdentity: full, renameColumns: { a: b }, dropColumns: [c] }
                """).migration();
        assertEquals(List.of("customers", "orders"), m.tables());
        assertEquals(4, m.parallelism());
        assertEquals(Duration.ofSeconds(1), m.maxLag());
        TransformSpec t = m.transforms().get(0);
        assertTrue(t.replicaIdentityFull());
        assertEquals(Map.of("a", "b"), t.renameColumns());
        assertEquals(List.of("c"), t.dropColumns());
        assertEquals(MigrationSpec.DEFAULT, load(MINIMAL + "replaces: shop-old\nmigration: {}\n").migration());
    }

    @Test
    void checks() {
        List<CheckSpec> checks = load(MINIMAL + """
                replaces: shop-old
                validate:
                  - rowCounts: false
                  - http: { path: /ready }
                  - compare: { path: /api, ignore: [time, id] }
                """).validate();
        assertEquals(2, checks.size(), "rowCounts: false is a check turned off");
        assertEquals(new CheckSpec.Http("/ready", 200, new SourcePos("bp.yaml", 9, 5)), checks.get(0));
        assertEquals(List.of("time", "id"), assertInstanceOf(CheckSpec.Compare.class, checks.get(1)).ignore());
    }

    @Test
    void shadowCheckDefaults() {
        List<CheckSpec> checks = load(MINIMAL + """
                replaces: shop-old
                validate:
                  - shadow: { duration: 2m }
                  - shadow: { duration: 8s, sample: 0.2, maxMismatchRate: 0.001, maxLatencyRatio: 1.5, minRequests: 50, ignore: [$.servedAt], report: r.html }
                """).validate();
        assertEquals(new CheckSpec.Shadow(Duration.ofMinutes(2), 0.1, 0.001, 1.5, 100, List.of(), null, new SourcePos("bp.yaml", 8, 5)),
                checks.get(0));
        assertEquals(new CheckSpec.Shadow(Duration.ofSeconds(8), 0.2, 0.001, 1.5, 50, List.of("$.servedAt"), "r.html",
                new SourcePos("bp.yaml", 9, 5)), checks.get(1));
    }

    @Test
    void teardownAndBudget() {
        assertTrue(load(MINIMAL + "teardown: { keepOld: never }\n").teardown().keepForever());
        assertEquals(Duration.ZERO, load(MINIMAL + "teardown: { keepOld: 0 }\n").teardown().keepOld());
        assertEquals(Duration.ofHours(1), load(MINIMAL + "teardown: { keepOld: 1h }\n").teardown().keepOld());
        assertEquals(new BigDecimal("12.5"), load(MINIMAL + "budget: { maxUsd: 12.5 }\n").budget().maxUsd());
        assertEquals(new SwitchoverSpec(Duration.ofMillis(250), Duration.ofSeconds(10)),
                load(MINIMAL + "switchover: { maxWritePause: 250ms }\n").switchover());
    }

    @Test
    void loadNamesTheFileAsGiven() throws Exception {
        Files.writeString(dir.resolve("bp.yaml"), MINIMAL.replace("imago: 1", "imago: one"));
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("bp.yaml"));
        assertEquals(List.of(relative + ":1:8: 'imago' must be a number, not a string"),
                BlueprintLoader.load(relative).diagnostics().stream().map(Diagnostic::oneLine).toList());
    }
}
