package io.imago.providers.local.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.shadow.ShadowRequest;
import io.imago.providers.spi.shadow.ShadowResults;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shadow comparison through a real ingress, in this JVM, with loopback backends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShadowIngressTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static Endpoint endpoint(TestBackend b) {
        return new Endpoint("127.0.0.1", b.server.getAddress().getPort());
    }

    private static HttpResponse<String> send(IngressServer s, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void copiesReadsOnlyComparesThemAndStopsByItself() throws Exception {
        try (TestBackend old1 = new TestBackend("shop"); TestBackend old2 = new TestBackend("shop");
                TestBackend neu = new TestBackend("shop")) {
            IngressServer s = IngressServer.start(IngressServer.Options.loopback(0, 0));
            try {
                IngressClient c = new IngressClient(s.adminPort(), null);
                c.point(List.of(old1.url(), old2.url()));
                c.startShadow(new ShadowRequest(List.of(endpoint(neu)), 1.0, Duration.ofSeconds(3), List.of(), Duration.ofMillis(50), Duration.ZERO));
                for (int i = 0; i < 100; i++) {
                    HttpResponse<String> r = send(s, "GET", "/api/customers/" + i);
                    assertEquals(200, r.statusCode());
                    assertEquals("shop", r.body(), "the user gets the old universe's answer");
                }
                assertEquals(200, send(s, "POST", "/api/customers").statusCode());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                ShadowResults r = c.shadowResults();
                while (r.counts().compared() < 100 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    r = c.shadowResults();
                }
                assertEquals(100, r.counts().compared(), r.toString());
                assertEquals(0, r.counts().mismatches());
                assertEquals(1, r.counts().unsafeSeen(), "the POST was seen, never copied");
                assertEquals(100, neu.hits.get(), "only the reads reached the new universe");
                assertEquals("GET /api/customers/{id}", r.routes().get(0).route());
                assertEquals(100, r.oldLatency().total());
                Thread.sleep(3_200);
                int before = neu.hits.get();
                send(s, "GET", "/after");
                Thread.sleep(200);
                assertEquals(before, neu.hits.get(), "past its duration nothing is copied");
                assertFalse(c.stopShadow().running());
            } finally {
                s.stop();
            }
        }
    }

    /**
     * What mirroring costs the users through the ingress alone, with light in-process backends (bench/run --only shadow
     * measures it with real universes): every read copied (two extra requests each, three while a route's noise is
     * learned and for one in five after). A measurement, not a test: run with -Dimago.bench.shadow=true.
     */
    @Test
    void userLatencyWithAndWithoutMirroring() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("imago.bench.shadow"), "a benchmark: -Dimago.bench.shadow=true");
        int rate = Integer.getInteger("imago.bench.rate", 300);
        int seconds = Integer.getInteger("imago.bench.seconds", 3);
        int rounds = Integer.getInteger("imago.bench.rounds", 4);
        try (TestBackend old1 = new TestBackend("shop"); TestBackend old2 = new TestBackend("shop");
                TestBackend neu = new TestBackend("shop")) {
            IngressServer s = IngressServer.start(IngressServer.Options.loopback(0, 0));
            try {
                IngressClient c = new IngressClient(s.adminPort(), null);
                c.point(List.of(old1.url(), old2.url()));
                load(s, rate, 1); // warm up
                // Alternating rounds, so that what the machine's other work does to latency falls on both sides alike.
                List<double[]> without = new ArrayList<>();
                List<double[]> with = new ArrayList<>();
                long compared = 0;
                long dropped = 0;
                for (int round = 0; round < rounds; round++) {
                    without.add(load(s, rate, seconds));
                    c.startShadow(new ShadowRequest(List.of(endpoint(neu)), 1.0, Duration.ofSeconds(seconds + 30), List.of(),
                            Duration.ofMillis(50), Duration.ZERO));
                    with.add(load(s, rate, seconds));
                    ShadowResults r = c.stopShadow();
                    compared += r.counts().compared();
                    dropped += r.counts().dropped();
                }
                System.out.printf("shadow cost at %d req/s, %d rounds of %d s each way: without mirroring p50 %.2f ms p99 %.2f ms; "
                        + "with every read mirrored p50 %.2f ms p99 %.2f ms (medians of the rounds); compared %d "
                        + "(%.0f/s), dropped %d%n", rate, rounds, seconds, median(without, 0.5), median(without, 0.99), median(with, 0.5),
                        median(with, 0.99), compared, compared / (double) (rounds * seconds), dropped);
            } finally {
                s.stop();
            }
        }
    }

    private static double[] load(IngressServer s, int rate, int seconds) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(32);
        List<java.util.concurrent.Future<Double>> all = new ArrayList<>();
        long start = System.nanoTime();
        long gap = 1_000_000_000L / rate;
        try {
            for (int i = 0; i < rate * seconds; i++) {
                long at = start + i * gap;
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String path = "/api/customers/" + (i % 50);
                all.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new AssertionError("a user request failed: " + r.statusCode());
                    }
                    return (System.nanoTime() - t0) / 1e6;
                }));
            }
            double[] out = new double[all.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = all.get(i).get();
            }
            Arrays.sort(out);
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static double median(List<double[]> rounds, double q) {
        double[] v = rounds.stream().mapToDouble(r -> pct(r, q)).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double pct(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
