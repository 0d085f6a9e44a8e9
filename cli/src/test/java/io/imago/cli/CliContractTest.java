package io.imago.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract (blueprint-v1.md): output shapes and exit codes, through the testable entry point. */
class CliContractTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    Run imago(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--state";
        all[1] = dir.resolve(".imago").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = Imago.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), all);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Path blueprint(String name, String yaml) throws Exception {
        Files.writeString(dir.resolve("schema.sql"), "CREATE TABLE t (id int primary key);\n");
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    static final String GOOD = """
            imago: 1
            universe: shop-v2
            replaces: shop-v1
            ingress: { name: shop, port: 18000 }
            compute:
              - name: web
                count: 2
                run: ["java", "-jar", "app.jar"]
                env: { DB_URL: "${database.url}" }
            database: { engine: postgres, version: "15", schema: schema.sql }
            migration:
              transforms:
                - table: customers
                  renameColumns: { name: full_name }
            validate:
              - rowCounts: true
            teardown: { keepOld: 0 }
            """;

    @Test
    void aMalformedExternalDatabaseExits2WithFileLineColumnAndNoPassword() throws Exception {
        Path f = blueprint("external.yml", """
                imago: 1
                universe: shop
                ingress: { name: shop }
                compute:
                  - { name: web, run: ["x"] }
                database:
                  external:
                    url: postgresql://admin@10.0.0.5:5432/shop
                    usr: shop_admin
                    password: hunter2
                    appUser: shop_app
                """);
        Run r = imago("validate", f.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(f + ":7:3: missing required field 'user'"), r.err());
        assertTrue(r.err().contains(f + ":8:10: 'url' must not carry a user or password"), r.err());
        assertTrue(r.err().contains(f + ":9:5: unknown field 'usr'") && r.err().contains("did you mean 'user'?"), r.err());
        assertTrue(r.err().contains(f + ":10:15: 'password' must be a reference to a secret, not the password itself"), r.err());
        assertTrue(r.err().contains(f + ":11:5: 'appUser' needs 'appPassword'"), r.err());
        assertTrue(r.err().contains("10 |     password: (value not shown)"), "the snippet stops at the value: " + r.err());
        assertFalse(r.err().contains("hunter2"), "a literal password is not repeated: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void validateReportsEveryProblemAsFileLineColumnWithHintsAndExits2() throws Exception {
        Path f = blueprint("bad.yml", """
                imago: 1
                univrse: shop
                ingress: { name: shop, type: balancer }
                compute:
                  - name: web
                    count: two
                    run: ["x"]
                database: { engine: postgres, schema: missing.sql }
                """);
        Run r = imago("validate", f.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(f + ":2:1: unknown field 'univrse'"), r.err());
        assertTrue(r.err().contains("did you mean 'universe'?"), r.err());
        assertTrue(r.err().contains(f + ":3:30: invalid type 'balancer'"), r.err());
        assertTrue(r.err().contains("allowed: loadBalancer, dns"), r.err());
        assertTrue(r.err().contains(f + ":6:12: "), r.err());
        assertTrue(r.err().contains("file not found: missing.sql"), r.err());
        assertFalse(r.err().contains("Exception"), "no stack trace for user errors: " + r.err());
        assertFalse(Files.exists(dir.resolve(".imago")), "validate changes nothing");
    }

    @Test
    void validateJsonListsDiagnostics() throws Exception {
        Path f = blueprint("bad.yml", "imago: 1\nuniverse: Shop\n");
        Run r = imago("validate", "--output", "json", f.toString());
        assertEquals(2, r.code());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertFalse(j.get("valid").asBoolean());
        JsonNode d = j.get("diagnostics").get(0);
        assertEquals(f.toString(), d.get("file").asText());
        assertTrue(d.get("line").asInt() > 0);
        assertTrue(d.get("column").asInt() > 0);
    }

    @Test
    void applyOfAnInvalidBlueprintExits2AndRentsNothing() throws Exception {
        Path f = blueprint("bad.yml", "imago: 2\n");
        Run r = imago("apply", "--yes", f.toString());
        assertEquals(2, r.code(), r.toString());
        assertFalse(Files.exists(dir.resolve(".imago/universes")));
    }

    @Test
    void validBlueprintValidates() throws Exception {
        Run r = imago("validate", blueprint("good.yml", GOOD).toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("valid"), r.out());
    }

    @Test
    void planJsonHasStepsResourcesAndItemisedCost() throws Exception {
        Run r = imago("plan", "--output", "json", blueprint("good.yml", GOOD).toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("SNAPSHOT", j.get("steps").get(2).get("name").asText());
        assertTrue(j.get("resources").size() >= 4);
        assertEquals("USD", j.get("cost").get("currency").asText());
        assertTrue(j.get("cost").has("total"));
        assertTrue(j.get("cost").get("items").isArray());
        assertFalse(Files.exists(dir.resolve(".imago")), "plan is a dry run and leaves no trace");
    }

    @Test
    void planJsonCarriesTheDurationForecastAsTheContractShapesIt() throws Exception {
        Run r = imago("plan", "--output", "json", blueprint("good.yml", GOOD).toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode d = j.get("duration");
        assertTrue(d.get("seconds").isNumber(), d.toString());
        assertTrue(d.get("steps").isArray() && d.get("steps").size() == j.get("steps").size(), "one forecast per step: " + d);
        double sum = 0;
        for (int i = 0; i < d.get("steps").size(); i++) {
            JsonNode s = d.get("steps").get(i);
            assertEquals(j.get("steps").get(i).get("name").asText(), s.get("step").asText());
            assertTrue(s.get("seconds").isNumber() && s.get("seconds").asDouble() >= 0, s.toString());
            assertFalse(s.get("assumed").asText().isBlank(), s.toString());
            if (!s.get("step").asText().equals("RETIRE")) {
                sum += s.get("seconds").asDouble();
            }
        }
        assertEquals(sum, d.get("seconds").asDouble(), 0.15, "seconds: from the start to the new universe live");
        assertEquals("SNAPSHOT", d.get("steps").get(2).get("step").asText());
        assertTrue(d.get("steps").get(2).get("assumed").asText().contains("shop-v1 is not in this state yet"), d.toString());
        assertFalse(d.get("source").get("read").asBoolean());
        assertEquals("shop-v2-db", j.get("cost").get("items").get(0).get("resource").asText());
        JsonNode item = j.get("cost").get("items").get(1);
        for (String field : List.of("resource", "kind", "provider", "size", "count", "hourly", "hours", "usd")) {
            assertTrue(item.has(field), field + " in " + item);
        }
        assertEquals("shop-v2-web", item.get("resource").asText());
        assertEquals(2, item.get("count").asInt());
        assertEquals("local", item.get("provider").asText());
        assertTrue(j.get("cost").has("hourlyBefore") && j.get("cost").has("hourlyAfter"), j.get("cost").toString());
        assertFalse(Files.exists(dir.resolve(".imago")), "plan is a dry run and leaves no trace");

        Run text = imago("plan", blueprint("good.yml", GOOD).toString());
        assertTrue(text.out().contains("Forecast: "), text.out());
        assertTrue(text.out().contains("Cost of the window (USD): "), text.out());
    }

    @Test
    void planOfSeveralFilesAddsTheirDurationsUp() throws Exception {
        Path v1 = blueprint("v1.yml", """
                imago: 1
                universe: shop-v1
                ingress: { name: shop, port: 18000 }
                compute:
                  - { name: web, count: 2, run: ["java", "-jar", "app.jar"] }
                database: { engine: postgres, version: "15", schema: schema.sql }
                """);
        Run r = imago("plan", "--output", "json", v1.toString(), blueprint("good.yml", GOOD).toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        double sum = 0;
        for (JsonNode p : j.get("plans")) {
            sum += p.get("duration").get("untilDoneSeconds").asDouble();
        }
        assertEquals(sum, j.get("duration").get("seconds").asDouble(), 0.05);
        assertEquals("shop-v1", j.get("duration").get("steps").get(0).get("universe").asText());
    }

    @Test
    void theBudgetGuardPricesAnAwsUniverseFromTheBundledCatalogAndRefusesItBeforeAnyApiCall() throws Exception {
        // No credentials and no endpoint here: any AWS call would fail otherwise than with the budget's refusal.
        Path aws = Path.of("../examples/aws/shop-v1.yml").toAbsolutePath().normalize();
        Run r = imago("apply", "--yes", "--max-usd", "0.001", aws.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("exceeds --max-usd, 0.001 USD") && r.err().contains("nothing was rented"), r.err());
        Run status = imago("status", "--output", "json");
        assertEquals(0, status.code(), status.toString());
        assertFalse(status.out().contains("shop-v1"), "nothing recorded: " + status.out());
    }

    @Test
    void aNegativeMaxUsdIsAUsageError() throws Exception {
        Run r = imago("apply", "--yes", "--max-usd", "-1", blueprint("good.yml", GOOD).toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--max-usd must not be negative"), r.err());
        assertFalse(Files.exists(dir.resolve(".imago")), "nothing rented, nothing recorded");
    }

    @Test
    void globalOptionsGoBeforeOrAfterTheCommand() throws Exception {
        Path f = blueprint("good.yml", GOOD);
        assertEquals(0, Imago.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()),
                "--output", "json", "plan", f.toString()));
        assertEquals(0, imago("plan", f.toString(), "--no-color", "--verbose").code());
    }

    @Test
    void statusOfAnEmptyStateIsAnEmptyList() throws Exception {
        Run r = imago("status", "--output", "json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(0, new ObjectMapper().readTree(r.out()).get("universes").size());
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, imago("frobnicate").code());
        assertEquals(2, imago("apply").code());
        assertEquals(2, imago("status", "--output", "yaml").code());
        assertEquals(2, imago("destroy", "nope", "--yes").code());
    }

    /** A --state that cannot be a state is refused as it is parsed: exit 2, nothing opened, no stack trace. */
    @Test
    void aMalformedRemoteStateIsAUsageError() {
        for (String[] args : new String[][] {{"--state", "s3://", "status"}, {"status", "--state", "s3:///teams/shop"},
                {"--state", "s3://Bad_Bucket/x", "plan", "x.yml"}, {"--state", "s3://imago-state/../x", "destroy", "--yes", "shop-v1"},
                {"--state", "blob://transient/c/p", "status"}}) {
            Run r = imago(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            assertTrue(r.err().contains("Invalid value for option '--state'"), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
        assertTrue(imago("--state", "s3://", "status").err().contains("no bucket in 's3://': use s3://BUCKET/PREFIX"));
        assertFalse(Files.exists(dir.resolve(".imago")));
    }

    @Test
    void rollbackOfAnUnknownUniverseIsBadInput() throws Exception {
        Run r = imago("rollback", "shop-v2", "--yes");
        assertEquals(2, r.code(), "unknown universe is bad input: " + r);
        assertTrue(r.err().contains("no universe named 'shop-v2'"), r.err());
    }

    @Test
    void planSaysWhatARollbackCouldDo() throws Exception {
        JsonNode none = new ObjectMapper().readTree(imago("plan", "--output", "json", blueprint("good.yml", GOOD).toString()).out());
        assertFalse(none.get("rollback").get("shipsBack").asBoolean(), none.toString());
        assertEquals("0", none.get("rollback").get("window").asText());

        String windowed = GOOD.replace("teardown: { keepOld: 0 }", "teardown: { keepOld: 15m }")
                .replace("      renameColumns: { name: full_name }\n",
                        "      renameColumns: { name: full_name }\n    - table: sessions\n      skip: true\n");
        Run r = imago("plan", "--output", "json", blueprint("windowed.yml", windowed).toString());
        JsonNode rb = new ObjectMapper().readTree(r.out()).get("rollback");
        assertEquals("15m", rb.get("window").asText(), r.toString());
        assertTrue(rb.get("shipsBack").asBoolean());
        assertEquals("sessions", rb.get("notInvertible").get(0).get("table").asText(), rb.toString());
        Run text = imago("plan", blueprint("windowed.yml", windowed).toString());
        assertTrue(text.out().contains("Rollback: `imago rollback shop-v2` switches back to shop-v1 within 15m"), text.out());
        assertTrue(text.out().contains("needs --accept-loss"), text.out());
    }

    /** A UNIVERSE argument obeys the blueprint's rule, checked before the state is opened (read, locked or created). */
    @Test
    void universeArgumentsThatAreNotNamesExit2AndReadNothing() throws Exception {
        // A universe state file where "../x" would have led: the state folder's own x.json.
        Path state = dir.resolve(".imago");
        for (String[] args : new String[][] {{"destroy", "--yes", "../x"}, {"rollback", "--yes", "../x"}, {"status", "../x"},
                {"status", "--output", "json", "../x"}, {"destroy", "--yes", "/etc/passwd"}, {"rollback", "--yes", "Shop_V2"},
                {"status", "../../../etc/x"}, {"destroy", "--yes", "a\u001b[2Jb"}}) {
            Run r = imago(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            String shown = args[args.length - 1].replace("\u001b", "\\u001b");
            assertTrue(r.err().contains("invalid universe name '" + shown + "'"), r.err());
            assertTrue(r.err().contains("use lowercase letters, digits and '-'"), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertFalse(Files.exists(state), "nothing was created, locked or read: " + String.join(" ", args));
        }
        Run json = imago("status", "--output", "json", "../x");
        assertTrue(new ObjectMapper().readTree(json.out()).get("error").get("message").asText().startsWith("invalid universe name"), json.out());

        // With a state in place (and a decoy where ../x leads), still nothing is read or changed.
        Files.createDirectories(state.resolve("universes"));
        Files.writeString(state.resolve("x.json"), "{\"name\":\"x\",\"provider\":\"local\",\"phase\":\"LIVE\"}");
        for (String cmd : new String[] {"destroy", "rollback", "status"}) {
            Run r = cmd.equals("status") ? imago(cmd, "../x") : imago(cmd, "--yes", "../x");
            assertEquals(2, r.code(), r.toString());
            assertFalse(r.out().contains("LIVE"), r.out());
        }
        assertTrue(Files.exists(state.resolve("x.json")));
        assertFalse(Files.exists(state.resolve("lock")), "no command got as far as the lock");

        // A valid name that does not exist is not this error.
        Run valid = imago("status", "shop-v9");
        assertFalse(valid.err().contains("invalid universe name"), valid.toString());
    }

    /** Text output counts in words that agree with the number: "1 transform", "2 errors", never "transform(s)". */
    @Test
    void textOutputCountsInAgreeingWords() throws Exception {
        Run plan = imago("plan", blueprint("good.yml", GOOD).toString());
        assertEquals(0, plan.code(), plan.toString());
        assertTrue(plan.out().contains("through 1 transform;"), plan.out());
        assertTrue(plan.out().contains("1 check against the new universe"), plan.out());
        assertTrue(plan.out().contains("rent 2 instances"), plan.out());
        assertFalse(plan.out().contains("(s)"), plan.out());
        Run one = imago("validate", blueprint("one.yml", GOOD.replace("universe: shop-v2", "universe: Shop")).toString());
        assertTrue(one.err().contains("1 error; nothing was changed"), one.err());
        Run two = imago("validate", blueprint("two.yml", GOOD.replace("universe: shop-v2", "universe: Shop")
                .replace("count: 2", "count: 0")).toString());
        assertTrue(two.err().contains("2 errors; nothing was changed"), two.err());
    }

    @Test
    void helpTeachesWithExamplesAndCompletionIsAvailable() {
        Run help = imago("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Examples:"), help.out());
        assertTrue(help.out().contains("Exit codes"), help.out());
        assertTrue(help.out().contains("--state=DIR|s3://BUCKET/PREFIX"), help.out());
        Run completion = imago("generate-completion");
        assertEquals(0, completion.code());
        assertTrue(completion.out().contains("complete -F"), completion.out().substring(0, 200));
    }
}
