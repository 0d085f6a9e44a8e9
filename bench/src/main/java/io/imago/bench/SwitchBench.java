package io.imago.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The switch's write pause through the real CLI: the quickstart shop applied, then a chain of universes,
 * each {@code replaces:} the previous one with identity transforms (same schema, same app), keepOld 0, while a
 * writer posts customers through the ingress every 20 ms. Each apply prints the pause it measured.
 */
final class SwitchBench {
    private static final Pattern PAUSE = Pattern.compile("writes were paused (\\d+) ms");
    /** Where the pause went, as the SWITCHOVER step reports it: "requests in flight 0 ms, fence 2 ms, ..., flip 3 ms". */
    private static final Pattern BREAKDOWN = Pattern.compile("writes paused \\d+ ms \\((requests in flight [^;]*)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    record Result(List<Double> pausesMs, long requests, long failed, double seconds) {
    }

    private final Path work;
    private final ImagoCli cli;
    private final int switches;
    private final int port;
    private String live;

    SwitchBench(Path repo, Path work, int switches) throws IOException {
        this.work = work;
        this.cli = new ImagoCli(repo, work);
        this.switches = switches;
        this.port = PgServer.freePort();
    }

    Result run() throws Exception {
        cli.copyQuickstartFiles();
        apply(blueprint(0), 0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong requests = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Thread writer = new Thread(() -> write(stop, requests, failed), "bench-http-writer");
        writer.start();
        List<Double> pauses = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            Thread.sleep(1000);
            for (int i = 1; i <= switches; i++) {
                pauses.add((double) apply(blueprint(i), i));
                System.out.printf("  switch %d/%d: writes paused %.0f ms; %d requests so far, %d failed%n    %s%n", i, switches,
                        pauses.get(i - 1), requests.get(), failed.get(), lastBreakdown);
            }
            Thread.sleep(1000);
        } finally {
            stop.set(true);
            writer.join(60_000);
        }
        return new Result(pauses, requests.get(), failed.get(), (System.nanoTime() - t0) / 1e9);
    }

    /** Destroys whatever universe is live; safe to call more than once. */
    synchronized void destroy() {
        if (live == null) {
            return;
        }
        try {
            imago(List.of("destroy", live, "--yes"));
        } catch (Exception e) {
            System.err.println("could not destroy " + live + " (state in " + work.resolve(".imago") + "): " + e.getMessage());
        }
        live = null;
    }

    private Path blueprint(int n) throws IOException {
        return cli.quickstartBlueprint("bench-" + n, n == 0 ? null : "bench-" + (n - 1), "benchshop", port, n == 0 ? "  seed: seed-v1.sql" : """
                migration:
                  tables: all
                  snapshot: { parallelism: 2 }
                switchover:
                  maxWritePause: 2s
                  drainTimeout: 10s
                teardown:
                  keepOld: 0""");
    }

    private String lastBreakdown = "";

    /** @return the write pause the apply reported, -1 when it reported none */
    private long apply(Path blueprint, int n) throws Exception {
        String out = imago(List.of("apply", "--yes", blueprint.toString()));
        synchronized (this) {
            live = "bench-" + n;
        }
        Matcher b = BREAKDOWN.matcher(out);
        lastBreakdown = b.find() ? b.group(1) : "";
        Matcher m = PAUSE.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private String imago(List<String> args) throws Exception {
        return cli.run(args);
    }

    private void write(AtomicBoolean stop, AtomicLong requests, AtomicLong failed) {
        for (long i = 0; !stop.get(); i++) {
            requests.incrementAndGet();
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/customers"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Bench " + i + "\",\"email\":\"bench" + i + "@load.test\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    failed.incrementAndGet();
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                failed.incrementAndGet();
            }
        }
    }

    static void print(Result r) {
        Percentiles p = Percentiles.of(r.pausesMs());
        System.out.println();
        System.out.printf("Switch write pause over %d switches (%.0f s): %s%n", r.pausesMs().size(), r.seconds(), p);
        System.out.printf("  writer: %,d requests through the ingress, %d failed%n", r.requests(), r.failed());
    }
}
