package io.imago.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Users reading the quickstart shop through its ingress at a fixed rate: {@code GET /api/customers/{id}}, and one
 * request in five {@code GET /api/orders?customer={id}}, over the 50 seeded customers. Open loop: each request starts on
 * its schedule whatever the earlier ones are doing (32 threads send them), so a slow answer shows as latency, not as
 * fewer requests. Records every answer's latency and every failure (an answer other than 200, or none).
 */
public final class OpenLoopReader implements AutoCloseable {
    /** One answer: when its request started (epoch milliseconds) and how long it took. */
    public record Sample(long atMillis, double ms) {}

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService pool = Executors.newFixedThreadPool(32);
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong requests = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread pacer;

    /** Starts reading at once. */
    public OpenLoopReader(int port, int ratePerSecond) {
        pacer = new Thread(() -> pace(port, ratePerSecond), "open-loop-reader");
        pacer.setDaemon(true);
        pacer.start();
    }

    private void pace(int port, int rate) {
        long start = System.nanoTime();
        long gap = 1_000_000_000L / rate;
        for (long i = 0; !stop.get(); i++) {
            long wait = start + i * gap - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            long id = 1 + i % 50;
            String path = i % 5 == 4 ? "/api/orders?customer=" + id : "/api/customers/" + id;
            pool.execute(() -> get(port, path));
        }
    }

    private void get(int port, String path) {
        requests.incrementAndGet();
        long at = System.currentTimeMillis();
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                failures.add(path + " answered " + r.statusCode() + ": " + r.body());
            }
            samples.add(new Sample(at, (System.nanoTime() - t0) / 1e6));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(path + ": interrupted");
        } catch (Exception e) {
            failures.add(path + ": " + e);
        }
    }

    /** Latencies (ms) of the requests that started from {@code fromMillis} to {@code toMillis} (epoch), both included. */
    public List<Double> latencies(long fromMillis, long toMillis) {
        synchronized (samples) {
            return samples.stream().filter(s -> s.atMillis() >= fromMillis && s.atMillis() <= toMillis).map(Sample::ms).toList();
        }
    }

    public long requests() {
        return requests.get();
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops sending and waits (up to 40 s) for the answers still due. Idempotent. */
    public void stop() throws InterruptedException {
        stop.set(true);
        pacer.join(5_000);
        pool.shutdown();
        pool.awaitTermination(40, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
