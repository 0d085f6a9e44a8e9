package io.imago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imago.testkit.OpenLoopReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shadow gate on the quickstart upgrade, under a client load of reads through the ingress: v2 with a seeded defect
 * (1 answer in 50 of GET /api/customers/{id} with a wrong email) is rejected, naming the route and the field, with v1
 * still live; the same v2 without the defect passes and goes live. servedAt, which differs on every answer, is learned
 * as noise without being declared. No user request fails, and the users' latency with and without mirroring is printed.
 */
class ShadowGateIT {
    private static final int RATE = Integer.getInteger("imago.it.shadow.rate", 250);

    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
        }
    }

    @Test
    void rejectsASeededDefectNamingRouteAndFieldThenPassesWithoutIt() throws Exception {
        qs = new Quickstart(tmp);
        try {
            run();
        } catch (AssertionError e) {
            Path log = tmp.resolve(".imago/providers/local/_ingress/ingress/shop/ingress.log");
            String tail = Files.exists(log) ? String.join("\n", Files.readAllLines(log).stream().skip(Math.max(0,
                    Files.readAllLines(log).size() - 40)).toList()) : "(none)";
            throw new AssertionError(e.getMessage() + "\n--- the ingress's log, last lines\n" + tail, e);
        }
    }

    private void run() throws Exception {
        Path gate = tmp.resolve("shop-v2-shadow.yml");
        String v2 = Files.readString(qs.v2());
        v2 = v2.replace("      SCHEMA_VERSION: \"2\"\n", "      SCHEMA_VERSION: \"2\"\n      SHOP_DEFECT: ${env:SHOP_DEFECT}\n");
        v2 = v2.substring(0, v2.indexOf("validate:")) + """
                validate:
                  - http: { path: /health, expect: 200 }
                  - shadow: { duration: 8s, sample: 0.5, maxMismatchRate: 0.001, maxLatencyRatio: 3, minRequests: 200, ignore: [email_domain] }
                """ + v2.substring(v2.indexOf("switchover:"));
        Files.writeString(gate, v2);
        Cli.Result v1 = qs.imago("apply", "--yes", qs.v1().toString());
        assertEquals(0, v1.code(), v1.toString());

        try (OpenLoopReader load = new OpenLoopReader(qs.port, RATE)) {
            Thread.sleep(4_000); // the users' latency before any mirroring
            long baselineEnd = System.currentTimeMillis();

            qs.env.put("SHOP_DEFECT", "customer-email-every-50");
            Cli.Result rejected = qs.imago("apply", "--yes", "--output", "json", gate.toString());
            assertEquals(3, rejected.code(), "validation rejected: exit 3\n" + rejected);
            JsonNode bad = shadow(Quickstart.JSON.readTree(rejected.out()).path("error").path("checks"), rejected);
            assertEquals(false, bad.path("passed").asBoolean(true), rejected.toString());
            JsonNode worst = bad.path("details").path("results").path("routes").get(0);
            assertEquals("GET /api/customers/{id}", worst.path("route").asText(), rejected.toString());
            assertTrue(worst.path("fields").has("$.email"), worst.toString());
            assertEquals(1, worst.path("fields").size(), "only the seeded field counts: " + worst);
            assertTrue(worst.path("example").toString().contains("wrong-"), worst.toString());
            assertTrue(rejected.err().contains("GET /api/customers/{id}") && rejected.err().contains("$.email"), rejected.err());
            assertLearnedServedAt(bad);
            assertEquals("shop-v1", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""), "v1 is still live");
            assertEquals("REJECTED", qs.universe("shop-v2").path("phase").asText());
            Path report = Path.of(bad.path("details").path("report").asText());
            assertTrue(Files.readString(report).contains("$.email"), "the HTML report names the field: " + report);

            qs.env.put("SHOP_DEFECT", "none");
            Cli.Result passed = qs.imago("apply", "--yes", "--output", "json", gate.toString());
            assertEquals(0, passed.code(), passed.toString());
            JsonNode good = shadow(Quickstart.JSON.readTree(passed.out()).path("results").get(0).path("checks"), passed);
            assertTrue(good.path("passed").asBoolean(), good.toString());
            JsonNode counts = good.path("details").path("results").path("counts");
            assertEquals(0, counts.path("mismatches").asLong(), good.toString());
            assertEquals(0, counts.path("newServerErrors").asLong(), good.toString());
            assertTrue(counts.path("compared").asLong() >= 200, counts.toString());
            assertLearnedServedAt(good);
            Thread.sleep(500);
            load.stop();
            assertEquals(List.of(), load.failures(), "no user request failed");
            assertEquals("shop-v2", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""));

            printCost(load, baselineEnd, bad, good);
        }
    }

    private static JsonNode shadow(JsonNode checks, Cli.Result r) {
        for (JsonNode c : checks) {
            if (c.path("check").asText().equals("shadow")) {
                return c;
            }
        }
        throw new AssertionError("no shadow check in the JSON output\n" + r);
    }

    private static void assertLearnedServedAt(JsonNode check) {
        boolean learned = false;
        for (JsonNode n : check.path("details").path("results").path("learnedNoise")) {
            learned |= n.path("path").asText().equals("$.servedAt");
        }
        assertTrue(learned, "servedAt is learned as noise, not declared: " + check.path("details").path("results").path("learnedNoise"));
        for (JsonNode route : check.path("details").path("results").path("routes")) {
            assertTrue(!route.path("fields").has("$.servedAt"), "servedAt never counts: " + route);
        }
    }

    /** The users' p50/p99 before the upgrade (no mirroring) and inside the two shadow windows, same load. */
    private static void printCost(OpenLoopReader load, long baselineEnd, JsonNode... checks) {
        List<Double> before = load.latencies(0, baselineEnd);
        List<Double> during = new ArrayList<>();
        long compared = 0;
        double seconds = 0;
        for (JsonNode c : checks) {
            JsonNode r = c.path("details").path("results");
            during.addAll(load.latencies(r.path("startedAtMs").asLong(), r.path("endedAtMs").asLong()));
            compared += r.path("counts").path("compared").asLong();
            seconds += (r.path("endedAtMs").asLong() - r.path("startedAtMs").asLong()) / 1000.0;
        }
        System.out.printf("ShadowGateIT at %d req/s: users' latency without mirroring p50 %.2f ms p99 %.2f ms (n=%d); while mirroring "
                + "(sample 0.5) p50 %.2f ms p99 %.2f ms (n=%d); compared %.0f requests/s%n", RATE, pct(before, 0.5), pct(before, 0.99),
                before.size(), pct(during, 0.5), pct(during, 0.99), during.size(), compared / Math.max(0.001, seconds));
        assertNotNull(before);
    }

    private static double pct(List<Double> xs, double q) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(q * s.size()) - 1));
    }
}
