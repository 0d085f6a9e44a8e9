package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.CheckSpec;
import io.imago.blueprints.SourcePos;
import io.imago.providers.spi.shadow.Difference;
import io.imago.providers.spi.shadow.LatencyHistogram;
import io.imago.providers.spi.shadow.NoiseModel;
import io.imago.providers.spi.shadow.ShadowResults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shadow check's pass/fail rules and its report, on results made up here: no ingress, no process. */
class ShadowGateTest {
    @TempDir Path dir;

    private static final CheckSpec.Shadow SPEC = new CheckSpec.Shadow(Duration.ofMinutes(2), 0.2, 0.001, 1.5, 100, List.of("$.servedAt"),
            null, new SourcePos("bp.yaml", 1, 1));

    /** {@code n} samples at {@code ms}, the rest of the histogram empty. */
    private static LatencyHistogram at(double ms, long n) {
        long[] c = new long[LatencyHistogram.BUCKETS];
        c[LatencyHistogram.bucket((long) (ms * 1e6))] += n;
        return new LatencyHistogram(c);
    }

    private static ShadowResults results(long compared, long mismatches, long newErrors, LatencyHistogram old, LatencyHistogram neu) {
        ShadowResults.Example e = new ShadowResults.Example("GET", "/api/customers/7", 200, 200,
                List.of(new Difference("$.email", "\"c7@shop.test\"", "\"WRONG@shop.test\"")), "{}", "{}");
        var route = new ShadowResults.RouteResult("GET /api/customers/{id}", compared, mismatches, newErrors,
                mismatches > 0 ? Map.of("$.email", mismatches) : Map.of(), mismatches > 0 ? e : null);
        return new ShadowResults(false, 0, 0, 0.2, new ShadowResults.Counts(compared * 5, 3, compared, 0, compared, 0, mismatches, 40,
                mismatches, 0, newErrors), old, neu, List.of(new NoiseModel.Learned("GET /api/customers/{id}", "$.updatedAt", 90, 100)),
                List.of(route));
    }

    @Test
    void passesWithEnoughRequestsFewMismatchesAndLikeLatency() {
        ShadowGate.Verdict v = ShadowGate.judge(SPEC, results(2_000, 1, 0, at(2, 2_000), at(2.4, 2_000)));
        assertTrue(v.passed(), v.failures().toString());
        assertEquals(0.0005, v.mismatchRate(), 1e-9);
        assertTrue(v.p50Ratio() > 1.1 && v.p50Ratio() < 1.35, "p50 ratio " + v.p50Ratio());
    }

    @Test
    void failsOnTooManyMismatchesNamingTheRouteAndField() {
        ShadowGate.Verdict v = ShadowGate.judge(SPEC, results(1_000, 20, 0, at(2, 1_000), at(2, 1_000)));
        assertFalse(v.passed());
        assertEquals(List.of("20 of 1,000 compared requests differ (2.0%), above maxMismatchRate (0.10%); most on GET /api/customers/{id} "
                + "($.email)"), v.failures());
    }

    @Test
    void failsOnTooFewRequests() {
        ShadowGate.Verdict v = ShadowGate.judge(SPEC, results(99, 0, 0, at(2, 99), at(2, 99)));
        assertFalse(v.passed());
        assertTrue(v.failures().get(0).startsWith("only 99 requests compared, fewer than minRequests (100)"), v.failures().toString());
    }

    @Test
    void failsWhenTheNewUniverseIsSlowerAtP50OrP99() {
        long[] old = new long[LatencyHistogram.BUCKETS];
        long[] neu = new long[LatencyHistogram.BUCKETS];
        old[LatencyHistogram.bucket(2_000_000)] = 980;
        old[LatencyHistogram.bucket(10_000_000)] = 20;
        neu[LatencyHistogram.bucket(2_000_000)] = 980;
        neu[LatencyHistogram.bucket(40_000_000)] = 20; // the same median, a p99 four times the old one's
        ShadowGate.Verdict v = ShadowGate.judge(SPEC, results(1_000, 0, 0, new LatencyHistogram(old), new LatencyHistogram(neu)));
        assertFalse(v.passed());
        assertEquals(1, v.failures().size(), v.failures().toString());
        assertTrue(v.failures().get(0).startsWith("the new universe's p99 latency is 3.9"), v.failures().toString());
        assertFalse(ShadowGate.judge(SPEC, results(1_000, 0, 0, at(2, 1_000), at(3.2, 1_000))).passed(), "p50 1.6x");
    }

    @Test
    void failsOnANew5xxEvenUnderTheMismatchRate() {
        ShadowGate.Verdict v = ShadowGate.judge(SPEC, results(10_000, 1, 1, at(2, 10_000), at(2, 10_000)));
        assertFalse(v.passed());
        assertEquals(List.of("the new universe answered 1 request with a 5xx (or not at all) where the old one did not (GET /api/customers/{id})"),
                v.failures());
    }

    @Test
    void theReportNamesTheRouteFieldAndExampleAndDrawsBothHistograms() {
        ShadowResults r = results(1_000, 20, 0, at(2, 1_000), at(2.5, 1_000));
        ShadowGate.Verdict v = ShadowGate.judge(SPEC, r);
        List<String> lines = ShadowReport.lines(v, r);
        assertTrue(lines.get(0).contains("20 differ (2.0%)"), lines.toString());
        assertTrue(lines.get(1).startsWith("  latency new/old: p50 1.2"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.equals("  GET /api/customers/{id}: 20 of 1000 differ, in $.email (20)")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("e.g. GET /api/customers/7: $.email is \"WRONG@shop.test\"")), lines.toString());
        String html = ShadowReport.page("shop-v2", "shop-v1", SPEC, v, r);
        assertEquals(2, html.split("<svg ", -1).length - 1, "old and new histograms");
        assertTrue(html.contains("WRONG@shop.test") && html.contains("FAILED") && !html.contains("<script"), html);
    }

    @Test
    void planShowsTheCheckAndVALIDATELastsItsDuration() {
        Blueprint bp = Blueprints.parse(dir, "bp", """
                imago: 1
                universe: shop-v2
                replaces: shop-v1
                ingress: { name: shop }
                compute:
                  - { name: web, run: [app] }
                validate:
                  - shadow: { duration: 2m, sample: 0.2, maxMismatchRate: 0.001, maxLatencyRatio: 1.5, ignore: [$.servedAt] }
                """);
        assertEquals("1 check against the new universe; shadow: 20% of live reads copied to the new universe for 2m, passes at ≥ 100 "
                + "compared, ≤ 0.10% differing, latency ≤ 1.5× old", new ValidateStep().preview(bp));
        Plan.StepForecast f = new Forecaster(bp, ForecastGoldenTest.fixed(), null, "none", false).forecast(List.of(StepName.VALIDATE))
                .steps().get(0);
        assertEquals(120.0, f.seconds(), 1e-9);
        assertTrue(f.assumed().contains("compared for 2m"), f.assumed());
    }
}
