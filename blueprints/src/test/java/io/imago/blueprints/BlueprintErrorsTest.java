package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per kind of problem, each asserting the exact one-line form users see. */
class BlueprintErrorsTest {
    /** Five lines that are valid on their own; most cases append a section from line 6 on. */
    private static final String MINIMAL = """
            imago: 1
            universe: shop
            ingress: { name: shop }
            compute:
              - { name: web, run: [app] }
            """;

    @TempDir
    Path dir;

    private List<String> problems(String yaml) {
        BlueprintLoader.LoadResult result = BlueprintLoader.parse("bp.yaml", yaml, dir, Map.of("HOME", "/home/u")::get);
        if (result.diagnostics().stream().anyMatch(Diagnostic::isError)) {
            assertNull(result.blueprint());
            assertFalse(result.ok());
        }
        return result.diagnostics().stream().map(Diagnostic::oneLine).toList();
    }

    private List<String> appended(String section) {
        return problems(MINIMAL + section);
    }

    @Test
    void minimalIsValid() {
        assertEquals(List.of(), problems(MINIMAL));
    }

    @Test
    void unknownFieldWithHint() {
        assertEquals(List.of(
                        "bp.yaml:1:1: missing required field 'universe'",
                        "bp.yaml:2:1: unknown field 'univrse' (did you mean 'universe'?)"),
                problems(MINIMAL.replace("universe:", "univrse:")));
    }

    @Test
    void unknownNestedFieldWithoutCloseName() {
        assertEquals(List.of("bp.yaml:6:15: unknown field 'foo'"), appended("switchover: { foo: 1 }\n"));
    }

    @Test
    void unknownFieldCaseOnly() {
        assertEquals(List.of("bp.yaml:7:29: unknown field 'maxlag' (did you mean 'maxLag'?)"),
                appended("replaces: old\nmigration: { logShipping: { maxlag: 1s } }\n"));
    }

    @Test
    void badEnumListsAllowedValues() {
        assertEquals(List.of("bp.yaml:6:19: invalid type 'gcp' (allowed: local, aws, jclouds)"),
                appended("provider: { type: gcp }\n"));
        assertEquals(List.of("bp.yaml:3:30: invalid type 'loadbalancer' (allowed: loadBalancer, dns)"),
                problems(MINIMAL.replace("{ name: shop }", "{ name: shop, type: loadbalancer }")));
    }

    @Test
    void stringWhereNumberIsNeeded() {
        assertEquals(List.of("bp.yaml:6:19: 'maxUsd' must be a number, not a string"),
                appended("budget: { maxUsd: \"25\" }\n"));
        assertEquals(List.of("bp.yaml:5:36: 'port' must be a number, not a string"),
                problems(MINIMAL.replace("run: [app]", "run: [app], port: http")));
    }

    @Test
    void listWhereMappingIsNeededAndBack() {
        assertEquals(List.of("bp.yaml:4:10: 'compute' must be a list, not a mapping"),
                problems("imago: 1\nuniverse: shop\ningress: { name: shop }\ncompute: { name: web }\n"));
        assertEquals(List.of("bp.yaml:6:13: 'switchover' must be a mapping, not a list"),
                appended("switchover: [2s]\n"));
    }

    @Test
    void emptyValue() {
        assertEquals(List.of("bp.yaml:6:1: missing value for 'replaces'"), appended("replaces:\n"));
    }

    @Test
    void missingRequiredFields() {
        assertEquals(List.of(
                        "bp.yaml:1:1: missing required field 'universe'",
                        "bp.yaml:1:1: missing required field 'ingress'",
                        "bp.yaml:1:1: missing required field 'compute'"),
                problems("imago: 1\n"));
        assertEquals(List.of("bp.yaml:1:1: missing required field 'imago'"), problems(MINIMAL.replace("imago: 1\n", "")));
    }

    @Test
    void onlyVersionOne() {
        assertEquals(List.of("bp.yaml:1:8: unsupported imago version 2 (allowed: 1)"),
                problems(MINIMAL.replace("imago: 1", "imago: 2")));
    }

    @Test
    void universeNames() {
        String hint = " (use lowercase letters, digits and '-', starting with a letter, at most 40 characters)";
        assertEquals(List.of("bp.yaml:2:11: invalid universe name 'Shop_V2'" + hint),
                problems(MINIMAL.replace("universe: shop", "universe: Shop_V2")));
        String long41 = "a".repeat(41);
        assertEquals(List.of("bp.yaml:2:11: invalid universe name '" + long41 + "'" + hint),
                problems(MINIMAL.replace("universe: shop", "universe: " + long41)));
        assertEquals(List.of(), problems(MINIMAL.replace("universe: shop", "universe: " + "a".repeat(40))));
        assertEquals(List.of("bp.yaml:6:11: invalid universe name '1shop'" + hint), appended("replaces: 1shop\n"));
        assertEquals(List.of("bp.yaml:6:11: a universe cannot replace itself (name the live universe this one upgrades)"),
                appended("replaces: shop\n"));
    }

    @Test
    void computeRules() {
        String yaml = """
                imago: 1
                universe: shop
                ingress: { name: shop }
                compute:
                  - name: web
                    count: 0
                    size: huge
                    port: 70000
                  - name: web
                    run: []
                    health: { path: health, timeout: 0 }
                  - count: 1.5
                    run: [app, [x]]
                """;
        assertEquals(List.of(
                        "bp.yaml:5:5: missing required field 'run' (the local provider needs the command an instance runs)",
                        "bp.yaml:6:12: 'count' must be at least 1",
                        "bp.yaml:7:11: invalid size 'huge' (allowed: xs, small, medium, large)",
                        "bp.yaml:8:11: 'port' must be between 1 and 65535",
                        "bp.yaml:9:11: duplicate compute name 'web' (first declared at line 5)",
                        "bp.yaml:10:10: 'run' must not be empty",
                        "bp.yaml:11:21: 'path' must start with '/'",
                        "bp.yaml:11:38: 'timeout' must be longer than 0",
                        "bp.yaml:12:5: missing required field 'name'",
                        "bp.yaml:12:12: 'count' must be a whole number",
                        "bp.yaml:13:16: 'run[1]' must be a string, not a list"),
                problems(yaml));
    }

    @Test
    void runIsOptionalElsewhere() {
        assertEquals(List.of(), problems(MINIMAL.replace(", run: [app]", ", image: ami-1, port: 80") + "provider: { type: aws, region: x }\n"));
    }

    @Test
    void awsNeedsImageAndPort() {
        assertEquals(List.of(
                        "bp.yaml:5:5: missing required field 'image' (the aws provider starts each instance from a machine image (an AMI id))",
                        "bp.yaml:5:5: missing required field 'port' (the aws provider registers every instance in the load balancer on the port"
                                + " its application listens on)"),
                problems(MINIMAL.replace(", run: [app]", "") + "provider: { type: aws }\n"));
    }

    @Test
    void awsProviderFieldsAreChecked() {
        assertEquals(List.of(
                        "bp.yaml:6:24: unknown field 'regoin' (did you mean 'region'?)",
                        "bp.yaml:7:26: unknown field 'subnet' (did you mean 'subnets'?)",
                        "bp.yaml:7:57: 'securityGroups' must be a list, not a string"),
                problems(MINIMAL.replace(", run: [app]", ", image: ami-1, port: 80")
                        + "provider: { type: aws, regoin: us-east-1,\n  network: { vpc: vpc-1, subnet: [s-1], securityGroups: sg-1 } }\n"));
    }

    @Test
    void awsSecretsInEnvNeedAnInstanceProfile() {
        String yaml = MINIMAL.replace("  - { name: web, run: [app] }\n", """
                  - name: web
                    image: ami-1
                    port: 80
                    env: { DB_URL: "${database.url}", MODE: live }
                database: { version: "15" }
                """) + "provider: { type: aws }\n";
        assertEquals(List.of("bp.yaml:5:5: compute 'web' has secret values in env (DB_URL) that its instances read from AWS Secrets Manager"
                        + " at boot, with the role of an instance profile (set provider.instanceProfile to one allowed"
                        + " secretsmanager:GetSecretValue on imago/shop/env/*)"),
                problems(yaml));
        assertEquals(List.of(), problems(yaml.replace("provider: { type: aws }", "provider: { type: aws, instanceProfile: shop-app }")));
    }

    @Test
    void dnsIngressNeedsZoneAndRecord() {
        assertEquals(List.of(
                        "bp.yaml:3:1: missing required field 'record' (a dns ingress is a record (record: shop.example.org) in a hosted zone"
                                + " (hostedZone: example.org, or its id))"),
                problems(MINIMAL.replace("{ name: shop }", "{ name: shop, type: dns, hostedZone: example.org }")));
    }

    @Test
    void envValues() {
        String yaml = MINIMAL.replace("  - { name: web, run: [app] }\n", """
                  - name: web
                    run: [app]
                    env:
                      A: 1
                      B: true
                      C:
                      D: [x]
                      1X: y
                      PORT: "9"
                """);
        assertEquals(List.of(
                        "bp.yaml:10:7: missing value for 'C'",
                        "bp.yaml:11:10: 'D' must be a string, not a list",
                        "bp.yaml:12:7: invalid environment variable name '1X' (use letters, digits and '_', not starting with a digit)",
                        "bp.yaml:13:7: 'PORT' is set by imago for every instance"),
                problems(yaml));
    }

    @Test
    void databaseFilesAreRelativeToTheBlueprint() throws IOException {
        Files.writeString(dir.resolve("schema-v2.sql"), "create table t (id int primary key);");
        Files.createDirectory(dir.resolve("seeds"));
        assertEquals(List.of(
                        "bp.yaml:8:11: file not found: schema-v3.sql",
                        "bp.yaml:9:9: not a file: seeds"),
                appended("database:\n  engine: postgres\n  schema: schema-v3.sql\n  seed: seeds\n"));
        assertEquals(List.of(), appended("database: { schema: schema-v2.sql }\n"));
    }

    @Test
    void databaseRules() {
        assertEquals(List.of(
                        "bp.yaml:7:11: invalid engine 'mysql' (allowed: postgres)",
                        "bp.yaml:8:14: 'storageGb' must be a number, not a string",
                        "bp.yaml:9:9: invalid size 'tiny' (allowed: xs, small, medium, large)"),
                appended("database:\n  engine: mysql\n  storageGb: ten\n  size: tiny\n"));
    }

    @Test
    void invalidDuration() {
        assertEquals(List.of("bp.yaml:7:17: invalid duration '10 minutes' (use e.g. 500ms, 10s, 15m, 2h)"),
                appended("switchover:\n  drainTimeout: 10 minutes\n"));
        assertEquals(List.of("bp.yaml:6:22: invalid duration 'forever' (use e.g. 500ms, 10s, 15m, 2h, 0 or never)"),
                appended("teardown: { keepOld: forever }\n"));
    }

    @Test
    void references() {
        String yaml = MINIMAL.replace("  - { name: web, run: [app] }\n", """
                  - name: web
                    run: [app, "--db=${database.url}", "${ingress.url}", "$${literal}"]
                    env:
                      A: ${databse.url}
                      B: ${evn:HOME}
                      C: ${env:HOME}
                      D: ${env:IMAGO_SURELY_UNSET}
                      E: ${secret:db-password}
                      F: "${ingress.url"
                      G: ${nothing.like.it}
                """);
        assertEquals(List.of(
                        "bp.yaml:6:16: '${database.url}' needs a 'database' section",
                        "bp.yaml:6:16: '${database.url}' carries the database password: in 'run' it would be readable by every local user in the process list"
                                + " (pass it through 'env:' instead, e.g. 'env: { DB_URL: ${database.url} }')",
                        "bp.yaml:8:10: unknown reference '${databse.url}' (did you mean '${database.url}'?)",
                        "bp.yaml:9:10: unknown reference '${evn:HOME}' (did you mean '${env:HOME}'?)",
                        "bp.yaml:11:10: environment variable 'IMAGO_SURELY_UNSET' is not set",
                        "bp.yaml:13:10: unclosed '${' in '${ingress.url' (write '$${' for a literal '${')",
                        "bp.yaml:14:10: unknown reference '${nothing.like.it}'"),
                problems(yaml));
    }

    /** A process's arguments are readable by every local user ({@code ps}); its environment only by its owner. */
    @Test
    void secretsAreRefusedInRunButAllowedInEnv() {
        String database = "database: { engine: postgres, version: \"16\" }\n";
        String hint = " would be readable by every local user in the process list (pass it through 'env:' instead, e.g. ";
        assertEquals(List.of("bp.yaml:5:29: '${database.password}' in 'run'" + hint + "'env: { DB_PASSWORD: ${database.password} }')"),
                problems(MINIMAL.replace("run: [app]", "run: [app, \"--pw=${database.password}\"]") + database));
        assertEquals(List.of("bp.yaml:5:29: '${database.url}' carries the database password: in 'run' it" + hint
                        + "'env: { DB_URL: ${database.url} }')"),
                problems(MINIMAL.replace("run: [app]", "run: [app, \"${database.url}\"]") + database));
        assertEquals(List.of("bp.yaml:8:9: '${secret:api-key}' in 'run'" + hint + "'env: { API_KEY: ${secret:api-key} }')"),
                problems(MINIMAL.replace("  - { name: web, run: [app] }\n", """
                          - name: web
                            run:
                              - app
                              - --key=${secret:api-key}
                        """)));
        // Block style: every offending element is reported where it is, the harmless ones are not.
        assertEquals(List.of(
                        "bp.yaml:5:24: '${secret:X}' in 'run'" + hint + "'env: { X: ${secret:X} }')",
                        "bp.yaml:5:84: '${database.password}' in 'run'" + hint + "'env: { DB_PASSWORD: ${database.password} }')"),
                problems(MINIMAL.replace("{ name: web, run: [app] }",
                        "{ name: web, run: [\"${secret:X}\", \"${database.port}\", \"$${database.password}\", \"${database.password}\"] }") + database));
        // The same references through env: are how secrets reach an instance.
        assertEquals(List.of(), problems(MINIMAL.replace("  - { name: web, run: [app] }\n", """
                  - name: web
                    run: [app, "--db-host=${database.host}", "--db-port=${database.port}", "${database.user}", "${ingress.url}"]
                    env:
                      DB_URL: ${database.url}
                      DB_PASSWORD: ${database.password}
                      API_KEY: ${secret:api-key}
                      MIXED: "u=${database.user};p=${database.password}"
                """) + database));
    }

    @Test
    void migrationRules() {
        String yaml = MINIMAL + """
                migration:
                  tables: [customers, orders, customers]
                  snapshot: { parallelism: 0 }
                  transforms:
                    - table: customers
                      replicaIdentity: fully
                    - table: customers
                      class: not a class
                    - table: invoices
                    - renameTo: x
                      skip: maybe
                """;
        assertEquals(List.of(
                        "bp.yaml:6:1: migration needs 'replaces' (name the live universe to migrate from)",
                        "bp.yaml:7:31: duplicate table 'customers' (first listed at column 12)",
                        "bp.yaml:8:28: 'parallelism' must be between 1 and 256",
                        "bp.yaml:11:24: invalid replicaIdentity 'fully' (allowed: full, default)",
                        "bp.yaml:12:14: duplicate transform for table 'customers' (first declared at line 10)",
                        "bp.yaml:13:14: invalid class name 'not a class' (write the class's full name, e.g. com.example.SplitInvoices)",
                        "bp.yaml:14:14: transform for 'invoices', which is not in 'tables'",
                        "bp.yaml:15:7: missing required field 'table'",
                        "bp.yaml:16:13: 'skip' must be true or false, not a string"),
                problems(yaml));
    }

    @Test
    void tablesIsAllOrAList() {
        assertEquals(List.of("bp.yaml:7:22: invalid tables 'some' (write 'all' or a list of table names)"),
                appended("replaces: old\nmigration: { tables: some }\n"));
    }

    @Test
    void checks() {
        String yaml = MINIMAL + """
                validate:
                  - rowcount: true
                  - http: { path: /health, expect: "200" }
                    expect: 200
                  - foo: 1
                  - command: []
                  - compare: { path: /x }
                """;
        assertEquals(List.of(
                        "bp.yaml:7:5: unknown check 'rowcount' (did you mean 'rowCounts'?)",
                        "bp.yaml:8:36: 'expect' must be a number, not a string",
                        "bp.yaml:9:5: one check per list item; unexpected 'expect' (start each check with '-' and indent its settings)",
                        "bp.yaml:10:5: unknown check 'foo' (allowed: rowCounts, checksums, http, compare, command, shadow)",
                        "bp.yaml:11:14: 'command' must not be empty",
                        "bp.yaml:12:5: 'compare' needs 'replaces' (it compares with the replaced universe)"),
                problems(yaml));
    }

    @Test
    void shadowCheck() {
        String yaml = MINIMAL + """
                replaces: old
                validate:
                  - shadow: { sample: 0, maxMismatchRate: 1.5, maxLatencyRatio: -1, minRequests: 0, ignore: x }
                  - shadow: { duration: 0s, samples: 0.2 }
                  - shadow: { duration: 2m, sample: 0.2, maxMismatchRate: 0.001, maxLatencyRatio: 1.5, ignore: [$.servedAt] }
                """;
        assertEquals(List.of(
                        "bp.yaml:8:5: missing required field 'duration'",
                        "bp.yaml:8:23: 'sample' must be above 0 and at most 1 (got 0)",
                        "bp.yaml:8:43: 'maxMismatchRate' must be at least 0 and at most 1 (got 1.5)",
                        "bp.yaml:8:65: 'maxLatencyRatio' must be above 0 (got -1)",
                        "bp.yaml:8:82: 'minRequests' must be at least 1",
                        "bp.yaml:8:93: 'ignore' must be a list, not a string",
                        "bp.yaml:9:25: 'duration' must be longer than 0 (e.g. 2m: how long live reads are copied)",
                        "bp.yaml:9:29: unknown field 'samples' (did you mean 'sample'?)"),
                problems(yaml));
    }

    @Test
    void theShadowCheckIsRefusedOnAwsByName() {
        String yaml = """
                imago: 1
                universe: shop-v2
                replaces: shop-v1
                provider: { type: aws, region: us-east-1 }
                ingress: { name: shop }
                compute:
                  - { name: web, image: ami-1, port: 8080 }
                validate:
                  - shadow: { duration: 2m }
                """;
        assertEquals(List.of("bp.yaml:9:5: the shadow check is not supported on the aws provider: an Application Load Balancer "
                + "cannot copy requests to another universe (use compare for an old-vs-new answer check on aws, or remove the shadow check)"),
                problems(yaml));
    }

    @Test
    void everyProblemOfOneFileInFileOrder() {
        String yaml = """
                imago: 1
                universe: shop
                ingress: { name: shop, prot: 80 }
                compute:
                  - { name: web, run: [app], size: big }
                teardown: { keepOld: 15 }
                budget: { maxUSD: 5 }
                provider: { type: gcp }
                """;
        assertEquals(List.of(
                        "bp.yaml:3:24: unknown field 'prot' (did you mean 'port'?)",
                        "bp.yaml:5:36: invalid size 'big' (allowed: xs, small, medium, large)",
                        "bp.yaml:6:22: invalid duration '15' (use e.g. 500ms, 10s, 15m, 2h, 0 or never)",
                        "bp.yaml:7:1: missing required field 'maxUsd'",
                        "bp.yaml:7:11: unknown field 'maxUSD' (did you mean 'maxUsd'?)",
                        "bp.yaml:8:19: invalid type 'gcp' (allowed: local, aws, jclouds)"),
                problems(yaml));
    }

    @Test
    void syntaxErrorIsOneCleanDiagnostic() {
        assertEquals(List.of("bp.yaml:2:12: invalid yaml: unexpected ':' (quote values that contain ': ')"),
                problems("imago: 1\nuniverse: a: b\n"));
        assertEquals(List.of("bp.yaml:3:1: invalid yaml: tab used for indentation (indent with spaces)"),
                problems("imago: 1\ncompute:\n\t- name: x\n"));
        assertEquals(List.of("bp.yaml:2:11: invalid yaml: unclosed quote"), problems("imago: 1\nuniverse: \"shop\n"));
        assertEquals(List.of("bp.yaml:4:2: invalid yaml: bad indentation (align the fields of one mapping in the same column)"),
                problems("imago: 1\ningress:\n  name: x\n port: 1\n"));
    }

    @Test
    void yamlStructureProblems() {
        assertEquals(List.of("bp.yaml:1:1: blueprint is empty"), problems(""));
        assertEquals(List.of("bp.yaml:1:1: blueprint is empty"), problems("# nothing yet\n---\n"));
        assertEquals(List.of("bp.yaml:1:1: a blueprint must be a mapping, not a list"), problems("- a\n"));
        assertEquals(List.of("bp.yaml:6:1: duplicate field 'universe' (first set at line 2)"),
                appended("universe: shop\n"));
        assertEquals(List.of("bp.yaml:7:1: a blueprint holds one yaml document (remove the '---' line)"),
                appended("---\nimago: 1\n"));
        assertEquals(List.of("bp.yaml:6:11: yaml aliases are not supported (repeat the value instead of '*u')"),
                problems(MINIMAL.replace("universe: shop", "universe: &u shop") + "replaces: *u\n"));
    }

    @Test
    void fileProblems() {
        assertEquals(List.of(dir.resolve("nope.yaml") + ": file not found"),
                BlueprintLoader.load(dir.resolve("nope.yaml")).diagnostics().stream().map(Diagnostic::oneLine).toList());
        assertEquals(List.of(dir + ": not a file"),
                BlueprintLoader.load(dir).diagnostics().stream().map(Diagnostic::oneLine).toList());
    }
}
