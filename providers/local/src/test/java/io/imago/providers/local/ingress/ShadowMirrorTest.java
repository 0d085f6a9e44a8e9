package io.imago.providers.local.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.shadow.Answer;
import io.imago.providers.spi.shadow.IgnorePaths;
import io.imago.providers.spi.shadow.ShadowResults;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The mirror with a transport that answers in-process: no sockets, no processes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShadowMirrorTest {
    private static final List<String> OLD = List.of("http://old-a", "http://old-b");
    private static final List<String> NEW = List.of("http://new-a");

    private static ShadowMirror mirror(ShadowTransport t, int queue, int workers, List<String> ignore) {
        var s = new ShadowMirror.Settings(NEW, 1.0, Duration.ofMinutes(1), IgnorePaths.of(ignore), Duration.ofMillis(20), Duration.ZERO, queue,
                workers);
        return new ShadowMirror(s, () -> OLD, 1, t, m -> { });
    }

    private static ShadowTransport answering(BiFunction<String, ShadowTransport.Copy, Answer> f) {
        return (base, copy) -> CompletableFuture.completedFuture(new ShadowTransport.Timed(f.apply(base, copy), 1_000_000));
    }

    private static ShadowTransport.Copy get(String uri) {
        return new ShadowTransport.Copy("GET", uri, List.of(), System.nanoTime());
    }

    private static ShadowResults finish(ShadowMirror m) throws InterruptedException {
        return m.finish(Duration.ofSeconds(10));
    }

    @Test
    void aFullQueueDropsCopiesAndCountsThemWithoutEverWaiting() throws Exception {
        CompletableFuture<ShadowTransport.Timed> never = new CompletableFuture<>();
        ShadowMirror m = mirror((base, copy) -> never, 4, 1, List.of()); // the one worker hangs on its first copy
        long worst = 0;
        int accepted = 0;
        for (int i = 0; i < 2_000; i++) {
            long t0 = System.nanoTime();
            if (m.offer(get("/api/customers/" + i))) {
                accepted++;
            }
            worst = Math.max(worst, System.nanoTime() - t0);
        }
        ShadowResults r = m.results();
        assertEquals(2_000, r.counts().sampled());
        assertEquals(2_000 - accepted, r.counts().dropped());
        assertTrue(accepted <= 5, "the queue holds 4 and the worker took one: " + accepted);
        assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(50), "an offer took " + worst / 1e6 + " ms");
        never.complete(new ShadowTransport.Timed(Answer.NONE, 1));
        finish(m);
    }

    @Test
    void learnedNoiseIsDiscountedAndARealDefectIsNamedByRouteAndField() throws Exception {
        AtomicInteger clock = new AtomicInteger();
        AtomicInteger newCalls = new AtomicInteger();
        ShadowMirror m = mirror(answering((base, copy) -> {
            String id = copy.uri().substring(copy.uri().lastIndexOf('/') + 1);
            String email = "c" + id + "@shop.test";
            if (base.startsWith("http://new") && newCalls.incrementAndGet() % 10 == 0) {
                email = "WRONG@shop.test";
            }
            String extra = base.startsWith("http://new") ? ",\"email_domain\":\"shop.test\"" : "";
            return Answer.of(200, "application/json", "{\"id\":" + id + ",\"email\":\"" + email + "\"" + extra
                    + ",\"servedAt\":\"t" + clock.incrementAndGet() + "\"}");
        }), 10_000, 2, List.of("email_domain"));
        for (int i = 0; i < 300; i++) {
            assertTrue(m.offer(get("/api/customers/" + (i % 40 + 1))));
        }
        ShadowResults r = finish(m);
        assertEquals(300, r.counts().compared());
        assertTrue(r.counts().mismatches() >= 20 && r.counts().mismatches() <= 40, "about 1 in 10: " + r.counts());
        assertEquals(r.counts().mismatches(), r.counts().retried(), "each mismatch was asked again once");
        assertEquals(0, r.counts().settledOnRetry(), "nothing was written: a flaky answer is a defect, not lag");
        ShadowResults.RouteResult route = r.routes().get(0);
        assertEquals("GET /api/customers/{id}", route.route());
        assertEquals(List.of("$.email"), List.copyOf(route.fields().keySet()), "servedAt is learned noise, email_domain ignored");
        assertTrue(route.example().differences().get(0).describe().contains("WRONG@shop.test"), route.example().toString());
        assertTrue(r.learnedNoise().stream().anyMatch(l -> l.path().equals("$.servedAt")), r.learnedNoise().toString());
    }

    @Test
    void aMismatchWhileItsDataWasWrittenIsForgivenWhenTheRetryAgrees() throws Exception {
        AtomicInteger newCalls = new AtomicInteger();
        ShadowMirror m = mirror(answering((base, copy) -> {
            // the new universe answers 404 to the first request (the row was not shipped yet), then catches up
            if (base.startsWith("http://new") && newCalls.incrementAndGet() == 1) {
                return Answer.of(404, "application/json", "{\"error\":\"no customer 41\"}");
            }
            return Answer.of(200, "application/json", "{\"id\":41}");
        }), 100, 1, List.of());
        m.sawWrite("/api/customers"); // the POST that created customer 41 went through the ingress
        m.offer(get("/api/customers/41"));
        ShadowResults r = finish(m);
        assertEquals(1, r.counts().compared());
        assertEquals(0, r.counts().mismatches(), r.toString());
        assertEquals(1, r.counts().settledOnRetry());
        assertEquals(1, r.counts().unsafeSeen());
    }

    @Test
    void aNew5xxTheOldUniverseDidNotGiveIsCounted() throws Exception {
        ShadowMirror m = mirror(answering((base, copy) -> base.startsWith("http://new")
                ? Answer.of(500, "application/json", "{\"error\":\"internal error\"}") : Answer.of(200, "application/json", "{}")),
                100, 1, List.of());
        m.offer(get("/api/stats"));
        ShadowResults r = finish(m);
        assertEquals(1, r.counts().newServerErrors());
        assertEquals(1, r.counts().mismatches());
        assertTrue(r.routes().get(0).fields().containsKey("status"), r.routes().toString());
    }

    @Test
    void nothingIsComparedWhenTheOldUniverseDoesNotAnswer() throws Exception {
        ShadowMirror m = mirror(answering((base, copy) -> base.startsWith("http://old") ? Answer.NONE : Answer.of(200, "text/plain", "x")),
                100, 1, List.of());
        m.offer(get("/x"));
        ShadowResults r = finish(m);
        assertEquals(0, r.counts().compared());
        assertEquals(1, r.counts().oldFailed());
    }

    @Test
    void routesNameIdsAndWritesRelateToTheirCollection() {
        assertEquals("GET /api/customers/{id}", ShadowRoutes.route("GET", "/api/customers/17?x=1"));
        assertEquals("/api/orders/{id}/lines", ShadowRoutes.path("/api/orders/3f2b8c1e-0000-4000-8000-123456789abc/lines"));
        assertEquals("/api/customers", ShadowRoutes.collection("/api/customers/17"));
        ShadowRoutes r = new ShadowRoutes();
        long t = System.nanoTime();
        r.wrote("/api/customers", t);
        assertTrue(r.writtenSince("/api/customers/17", t - 1));
        assertTrue(!r.writtenSince("/api/orders?customer=1", t - 1));
        assertTrue(!r.writtenSince("/api/customers/17", t + 1));
    }
}
